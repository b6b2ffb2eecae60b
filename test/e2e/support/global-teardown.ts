import { Redis } from 'ioredis';
import pg from 'pg';
import { REDIS_URL, RUN_DATABASE_URL, RUN_REDIS_PREFIX, SERVER_DATABASE_URL } from './run-settings';

/** Drops the run's database and deletes the run's Redis keys, so runs leave nothing behind. */
export default async function globalTeardown(): Promise<void> {
  const databaseUrl = process.env[RUN_DATABASE_URL];
  const prefix = process.env[RUN_REDIS_PREFIX];
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: SERVER_DATABASE_URL });
    await client.connect();
    const name = new URL(databaseUrl).pathname.slice(1);
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
  if (prefix) {
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
