import pg from 'pg';
import { deleteRedisKeys } from './redis-keys.mts';
import { REDIS_URL, SERVER_DATABASE_URL, type TestTier, runVariables } from './run-settings';

/** Drops the tier's run database and deletes its Redis keys, so runs leave nothing behind. */
export async function tearDownRun(tier: TestTier): Promise<void> {
  const variables = runVariables(tier);
  const databaseUrl = process.env[variables.databaseUrl];
  const prefix = process.env[variables.redisPrefix];
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: SERVER_DATABASE_URL });
    await client.connect();
    const name = new URL(databaseUrl).pathname.slice(1);
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
  if (prefix) await deleteRedisKeys(REDIS_URL, prefix);
}
