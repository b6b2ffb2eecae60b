import { appEnv } from '../../support/app-env';
import { createActiveUser } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { AppProcess } from '../support/app-process';
import { signIn } from '../support/sign-in';

interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  route?: string;
  res?: { statusCode: number };
  latencyMs?: number;
  principal?: string;
}

describe('request logs', () => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start('api', appEnv({ LOG_LEVEL: 'info' }));
  });
  afterAll(() => api.stop());

  /** The request's completion line, once the process has written it. */
  async function lineOf(response: Response): Promise<LogLine | undefined> {
    const requestId = response.headers.get('x-request-id');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const line = api.output
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as LogLine)
        .find((entry) => entry.msg === 'request completed' && entry.reqId === requestId);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  }

  it('write one JSON line per request with id, method, route, status and latency, and nothing secret or non-ASCII', async () => {
    const response = await fetch(`${api.url}/__healthz?email=jane.doe@example.com&city=K%C3%B8benhavn`, {
      headers: {
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token-value',
        cookie: 'rampart_session=session-cookie-value',
      },
    });
    expect(response.status).toBe(200);
    const line = await lineOf(response);
    expect(line).toMatchObject({
      level: 'info',
      req: { method: 'GET' },
      route: '/__healthz',
      res: { statusCode: 200 },
      latencyMs: expect.any(Number) as number,
    });
    expect(line?.req?.url).toContain('email=j***@example.com');

    const everything = api.output.join('\n');
    expect(everything).not.toContain('jane.doe@example.com');
    expect(everything).not.toContain('secret-token-value');
    expect(everything).not.toContain('session-cookie-value');
    for (const text of api.output) expect(text).toMatch(/^[\x20-\x7e]*$/);
  });

  it('name the caller the guards authenticated, also when refused, and no one for an anonymous call', async () => {
    const factory = await startApiInProcess();
    const user = await createActiveUser(factory.app).finally(() => factory.close());
    const { accessToken } = await signIn(api.url, user);
    const authorization = `Bearer ${accessToken}`;

    const own = await fetch(`${api.url}/v1/auth/me`, { headers: { authorization } });
    expect(own.status).toBe(200);
    expect(await lineOf(own)).toMatchObject({ principal: `user:${user.id}`, res: { statusCode: 200 } });

    const refused = await fetch(`${api.url}/v1/admin/users`, { headers: { authorization } });
    expect(refused.status).toBe(403);
    expect(await lineOf(refused)).toMatchObject({ principal: `user:${user.id}`, res: { statusCode: 403 } });

    const anonymous = await fetch(`${api.url}/v1/auth/me`);
    expect(anonymous.status).toBe(401);
    const line = await lineOf(anonymous);
    expect(line?.res?.statusCode).toBe(401);
    expect(line?.principal).toBeUndefined();
  });
});
