import type { Config } from '@jest/types';
import pg from 'pg';
import { tierOf } from './global-setup';
import { deleteRedisKeys } from './redis-keys.mts';
import { REDIS_URL, SERVER_DATABASE_URL, runVariables } from './run-settings';

/** Drops the tier's run database and deletes its Redis keys, so runs leave nothing behind. */
export default async function globalTeardown(
  _: Config.GlobalConfig,
  project: Config.ProjectConfig,
): Promise<void> {
  const variables = runVariables(tierOf(project));
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
