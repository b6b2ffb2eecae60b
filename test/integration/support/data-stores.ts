// Direct access to this run's PostgreSQL and Redis for a spec's assertions: what a use case left
// behind, read the way an operator would, not through the repositories under test.
import { Redis } from 'ioredis';
import pg from 'pg';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';

export interface SqlReader {
  /** The rows of one query against this run's database. */
  rows<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** A PostgreSQL connection for the spec file, opened before its tests and closed after them. */
export function useDatabase(): SqlReader {
  const client = new pg.Client({ connectionString: runDatabaseUrl() });
  beforeAll(() => client.connect());
  afterAll(() => client.end());
  return {
    rows: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      (await client.query<R>(sql, params)).rows,
  };
}

/** A Redis connection for the spec file (keys unprefixed: prepend the app's REDIS_KEY_PREFIX). */
export function useRedis(): Redis {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  beforeAll(() => redis.connect());
  afterAll(async () => {
    await redis.quit();
  });
  return redis;
}
