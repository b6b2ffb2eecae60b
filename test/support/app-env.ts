import { REDIS_URL, randomSuffix, runDatabaseUrl, runRedisPrefix } from './run-settings';

export type EnvOverrides = Record<string, string | undefined>;

/**
 * The environment of an app started by a test: the run's database, a Redis key prefix of the
 * test's own (so suites never see each other's queues), quiet JSON logs. Overrides win; an
 * override of `undefined` removes the variable.
 */
export function appEnv(overrides: EnvOverrides = {}): Record<string, string> {
  const env: EnvOverrides = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: runDatabaseUrl(),
    DATABASE_POOL_MAX: '4',
    REDIS_URL,
    REDIS_KEY_PREFIX: `${runRedisPrefix()}-${randomSuffix()}`,
    API_HOST: '127.0.0.1',
    WORKER_HOST: '127.0.0.1',
    HEALTH_CHECK_TIMEOUT_MS: '1000',
    // Suites sign up and sign in far more than 5 times a minute from 127.0.0.1; the rate-limit suite turns it on.
    RATE_LIMIT_ENABLED: 'false',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
