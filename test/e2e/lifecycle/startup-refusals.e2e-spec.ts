import { appEnv } from '../../support/app-env';
import { runToExit } from '../support/app-process';
import { freePort } from '../../support/free-port.mts';

const STRONG = 'a-real-random-secret-of-more-than-32-bytes-0123456789';

function production(overrides: Record<string, string | undefined>): Record<string, string> {
  return appEnv({
    NODE_ENV: 'production',
    JWT_SECRET: STRONG,
    COOKIE_SECRET: `${STRONG}-c`,
    MFA_ENCRYPTION_KEY: `${STRONG}-m`,
    ...overrides,
  });
}

describe('the API refuses to start in production with an unsafe configuration', () => {
  it.each([
    ['a missing secret', { JWT_SECRET: undefined }, /^api: config: JWT_SECRET is required in production$/],
    [
      'a short secret',
      { COOKIE_SECRET: 'short-secret' },
      /^api: config: COOKIE_SECRET must be at least 32 bytes/,
    ],
    [
      'a documented example secret',
      { JWT_SECRET: 'change-me-to-a-random-secret-of-at-least-32-bytes' },
      /^api: config: JWT_SECRET is a documented example value/,
    ],
    [
      'CORS allowing any origin',
      { CORS_ORIGINS: 'https://app.example.com,*' },
      /^api: config: CORS_ORIGINS must list origins/,
    ],
    [
      'cookies without Secure',
      { COOKIE_SECURE: 'false' },
      /^api: config: COOKIE_SECURE must be true in production$/,
    ],
    ['an invalid number', { BODY_LIMIT_BYTES: 'lots' }, /^api: config: BODY_LIMIT_BYTES is invalid/],
  ])('exits non-zero with one clear line on %s', async (_case, overrides, line) => {
    const { code, output } = await runToExit('api', production(overrides));
    expect(code).toBe(1);
    expect(output).toHaveLength(1);
    expect(output[0]).toMatch(line);
    // The message names the variable, never its value.
    expect(output.join('\n')).not.toContain(STRONG);
  });
});

describe('both apps say in one line which dependency is unreachable', () => {
  it.each(['api', 'worker'] as const)('%s: PostgreSQL down', async (app) => {
    const port = await freePort();
    const { code, output } = await runToExit(
      app,
      appEnv({ DATABASE_URL: `postgresql://rampart:pw@127.0.0.1:${port}/rampart` }),
    );
    expect(code).toBe(1);
    expect(output).toHaveLength(1);
    expect(output[0]).toContain(
      `postgresql is unreachable at postgresql://rampart:***@127.0.0.1:${port}/rampart`,
    );
    expect(output[0]).toContain('pg_ctlcluster');
    expect(output[0]).not.toContain(':pw@');
  });

  it.each(['api', 'worker'] as const)('%s: Redis down', async (app) => {
    const port = await freePort();
    const { code, output } = await runToExit(app, appEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    expect(code).toBe(1);
    expect(output).toEqual([
      expect.stringContaining(`redis is unreachable at redis://127.0.0.1:${port}`) as string,
    ]);
    expect(output[0]).toContain('redis-server');
  });
});
