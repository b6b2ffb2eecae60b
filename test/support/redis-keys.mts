// Plain TypeScript that Node strips and runs as it is (see free-port.mts): the benchmarks and the
// tests' global teardown clean up Redis the same way.
import { Redis } from 'ioredis';

/**
 * Deletes every Redis key that starts with `prefix` (a run's REDIS_KEY_PREFIX: BullMQ's queues, job
 * schedulers, locks, the API's auth state); returns how many.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
