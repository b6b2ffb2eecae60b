// The rate-limit storage against the real Redis: hits are numbered atomically even when several
// connections (several API processes) race, windows and blocks expire on time, and an unreachable
// Redis makes increment() fail quickly (the guard turns that into 503, failing closed).
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { ApiConfig } from '@rampart/config';
import { RedisConnections } from '@rampart/jobs';
import { Metrics } from '@rampart/observability';
import { RedisThrottlerStorage } from '../../../apps/api/src/rate-limit/redis-throttler.storage';
import { REDIS_URL, randomSuffix, runRedisPrefix } from '../../support/run-settings';

describe('RedisThrottlerStorage', () => {
  // Under the run's prefix (global teardown deletes it) and a random one of this suite's own.
  const keyPrefix = `${runRedisPrefix()}-throttler-${randomSuffix()}`;
  const storageFor = (url = REDIS_URL): RedisThrottlerStorage => {
    const config = { redis: { url, keyPrefix } } as ApiConfig;
    const metrics = new Metrics({ service: 'api', commit: 'test', build: 'test', env: 'test' });
    return new RedisThrottlerStorage(config, new RedisConnections(config, metrics));
  };
  const redis = new Redis(REDIS_URL);
  const storages: RedisThrottlerStorage[] = [];
  let first: RedisThrottlerStorage;
  let second: RedisThrottlerStorage;

  const newKey = (): string => `test:${randomSuffix()}`;
  const redisKey = (key: string, part: 'hits' | 'block'): string => `${keyPrefix}:rl:{${key}}:${part}`;

  beforeAll(() => {
    first = storageFor();
    second = storageFor();
    storages.push(first, second);
  });

  afterAll(async () => {
    for (const storage of storages) storage.onModuleDestroy();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  it('numbers 200 concurrent hits from two connections 1..200, each exactly once; 10 within the limit', async () => {
    const key = newKey();
    const records = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? first : second).increment(key, 60_000, 10, 0, 'api')),
    );
    const hits = records.map((record) => record.totalHits).sort((a, b) => a - b);
    expect(hits).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const allowed = records.filter((record) => !record.isBlocked);
    expect(allowed).toHaveLength(10);
    expect(allowed.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(records.every((record) => record.isBlocked === record.totalHits > 10)).toBe(true);
    expect(
      records.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire === 60),
    ).toBe(true);
  });

  it("numbers one turn's hits of a key in the order they were asked, and keeps their blocks", async () => {
    // Asked in one turn, the hits of a key travel as one script call: they must still get the
    // numbers, refusals and waits that one call per hit gave.
    const key = newKey();
    const other = newKey();
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) => first.increment(i % 2 ? other : key, 300, 1, 1_500, 'auth')),
    );
    expect(burst.map((record) => record.totalHits)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(burst.map((record) => record.isBlocked)).toEqual([false, false, true, true, true, true]);
    // Past the limit with a block duration: the wait is the block's (1.5 s), longer than the window.
    expect(burst.filter((record) => record.isBlocked).every((record) => record.timeToBlockExpire === 2)).toBe(
      true,
    );
    const blockTtl = await redis.pttl(redisKey(key, 'block'));
    expect(blockTtl).toBeGreaterThan(1_000);

    await sleep(500);
    // A fresh window, but the block set by the earlier burst refuses every hit of this one.
    const later = await Promise.all(
      Array.from({ length: 3 }, () => second.increment(key, 300, 1, 1_500, 'auth')),
    );
    expect(later.map((record) => record.totalHits)).toEqual([1, 2, 3]);
    expect(later.every((record) => record.isBlocked && record.timeToBlockExpire === 1)).toBe(true);
    // Hammering does not extend the block.
    expect(await redis.pttl(redisKey(key, 'block'))).toBeLessThan(blockTtl);
  });

  it('shares one counter between storages (API processes)', async () => {
    const key = newKey();
    await first.increment(key, 60_000, 3, 0, 'api');
    await first.increment(key, 60_000, 3, 0, 'api');
    expect(await second.increment(key, 60_000, 3, 0, 'api')).toMatchObject({
      totalHits: 3,
      isBlocked: false,
    });
    expect(await first.increment(key, 60_000, 3, 0, 'api')).toMatchObject({ totalHits: 4, isBlocked: true });
  });

  it('starts a new window once the ttl has passed', async () => {
    // A 2 s window: wide enough that three calls land in it on a loaded machine.
    const key = newKey();
    const opening = await first.increment(key, 2_000, 2, 0, 'api');
    expect(opening).toEqual({ totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 });
    const pttl = await redis.pttl(redisKey(key, 'hits'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(2_000);

    await first.increment(key, 2_000, 2, 0, 'api');
    const over = await second.increment(key, 2_000, 2, 0, 'api');
    expect(over).toMatchObject({ totalHits: 3, isBlocked: true });
    expect([1, 2]).toContain(over.timeToBlockExpire);
    // No block duration: no block marker, only the window refuses.
    expect(await redis.exists(redisKey(key, 'block'))).toBe(0);

    await sleep(Math.max(0, (await redis.pttl(redisKey(key, 'hits'))) + 100));
    expect(await redis.exists(redisKey(key, 'hits'))).toBe(0);
    expect(await first.increment(key, 2_000, 2, 0, 'api')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps refusing for the block duration, past the window, without extending the block', async () => {
    const key = newKey();
    expect(await first.increment(key, 300, 1, 1_500, 'auth')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    const blocked = await first.increment(key, 300, 1, 1_500, 'auth');
    expect(blocked).toMatchObject({ totalHits: 2, isBlocked: true, timeToBlockExpire: 2 });
    const blockTtl = await redis.pttl(redisKey(key, 'block'));
    expect(blockTtl).toBeGreaterThan(1_000);
    expect(blockTtl).toBeLessThanOrEqual(1_500);

    await sleep(500);
    // The window is over (a fresh count), but the block still holds, from another process too.
    const stillBlocked = await second.increment(key, 300, 1, 1_500, 'auth');
    expect(stillBlocked).toMatchObject({ totalHits: 1, isBlocked: true, timeToBlockExpire: 1 });
    expect(await redis.pttl(redisKey(key, 'block'))).toBeLessThan(blockTtl);

    await sleep(1_200);
    expect(await first.increment(key, 300, 1, 1_500, 'auth')).toEqual({
      totalHits: 1,
      timeToExpire: 1,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('leaves no key behind once windows and blocks are over', async () => {
    const key = newKey();
    await first.increment(key, 200, 1, 300, 'auth');
    await first.increment(key, 200, 1, 300, 'auth');
    expect(await redis.exists(redisKey(key, 'hits'), redisKey(key, 'block'))).toBe(2);
    await sleep(450);
    expect(await redis.exists(redisKey(key, 'hits'), redisKey(key, 'block'))).toBe(0);
  });

  it('fails within seconds when Redis cannot be reached, instead of holding the request', async () => {
    const unreachable = storageFor('redis://127.0.0.1:1');
    const started = Date.now();
    await expect(unreachable.increment(newKey(), 60_000, 5, 0, 'login')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    unreachable.onModuleDestroy();
    // ioredis ends a connection that never came up with a timer (its 2 s disconnectTimeout) that
    // would outlive the suite; let it run out here rather than leave an open handle behind.
    await sleep(2_100);
  });
});
