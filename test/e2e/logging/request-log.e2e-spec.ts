import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';

interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  route?: string;
  res?: { statusCode: number };
  latencyMs?: number;
}

describe('request logs', () => {
  let api: AppProcess;

  beforeAll(async () => {
    api = await AppProcess.start('api', appEnv({ LOG_LEVEL: 'info' }));
  });
  afterAll(() => api.stop());

  it('write one JSON line per request with id, method, route, status and latency, and nothing secret or non-ASCII', async () => {
    const response = await fetch(`${api.url}/__healthz?email=jane.doe@example.com&city=K%C3%B8benhavn`, {
      headers: {
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token-value',
        cookie: 'rampart_session=session-cookie-value',
      },
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');

    let line: LogLine | undefined;
    const deadline = Date.now() + 5_000;
    while (!line && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      line = api.output
        .filter((text) => text.startsWith('{'))
        .map((text) => JSON.parse(text) as LogLine)
        .find((entry) => entry.msg === 'request completed' && entry.reqId === requestId);
    }
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
});
