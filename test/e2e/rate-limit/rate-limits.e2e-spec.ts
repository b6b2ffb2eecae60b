import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { randomSuffix } from '../../support/run-settings';

interface Answer {
  status: number;
  code?: string;
  headers: Headers;
}

describe('rate limits over HTTP, shared by two API processes', () => {
  const env = appEnv({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '10/60', RATE_LIMIT_AUTH: '5/60' });
  let inProcess: RunningApi;
  let spawned: AppProcess;

  const post = async (
    target: { url: string },
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${target.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      code: text ? (JSON.parse(text) as { code?: string }).code : undefined,
      headers: response.headers,
    };
  };

  beforeAll(async () => {
    spawned = await AppProcess.start('api', env);
    inProcess = await startApiInProcess(env);
  });
  afterAll(async () => {
    await inProcess?.close();
    await spawned?.stop();
  });

  it('lets exactly 10 of 200 concurrent sign-ins from one IP through, across both processes, with correct 429s', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(i % 2 ? spawned : inProcess, 'login', {
          email: `flood-${i}-${randomSuffix()}@example.test`,
          password: 'not-a-real-password',
        }),
      ),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited).toHaveLength(190);
    expect(
      answers.filter((answer) => answer.status === 401 && answer.code === 'invalid_credentials'),
    ).toHaveLength(10);
    for (const answer of limited) expect(answer.code).toBe('rate_limited');

    const sample = limited[0]?.headers;
    const retryAfter = Number(sample?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sample?.get('ratelimit-policy')).toBe('"login";q=10;w=60');
    expect(sample?.get('ratelimit')).toMatch(/^"login";r=0;t=\d+$/);
  });

  it('does not let a spoofed X-Forwarded-For from an untrusted peer escape the limit', async () => {
    // The login window of 127.0.0.1 is exhausted by the test above; a forged client address changes nothing.
    const answer = await post(
      inProcess,
      'login',
      { email: `spoof-${randomSuffix()}@example.test`, password: 'x-password-123' },
      {
        'x-forwarded-for': '203.0.113.7',
      },
    );
    expect(answer.status).toBe(429);
    expect(answer.code).toBe('rate_limited');
  });

  it('limits sign-up to RATE_LIMIT_AUTH (5 a minute here)', async () => {
    const email = `target-${randomSuffix()}@example.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1)
      statuses.push(
        (await post(inProcess, 'register', { email, password: 'violet-harbour-lantern-93' })).status,
      );
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('never limits health probes', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 120 }, () =>
        fetch(`${inProcess.url}/health/live`).then((response) => response.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});
