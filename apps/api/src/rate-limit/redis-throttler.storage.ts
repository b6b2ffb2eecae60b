import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import { RedisConnections } from '@rampart/jobs';
import type { ThrottlerStorageRecord } from './rate-limit.headers';

/**
 * One hit, atomically (a Lua script runs alone on the server), so N concurrent requests from any
 * number of API processes get the hit numbers 1..N exactly once each.
 * KEYS[1]: the window's hit counter; KEYS[2]: the block marker.
 * ARGV: window ttl (ms), limit, block duration (ms, 0: none).
 * - Fixed window: INCR, and PEXPIRE on the first hit (or on a counter somehow left without expiry).
 * - Over the limit with a block duration: SET the block marker once (NX: hammering does not extend it).
 * - Refused while the marker lives or while the window is over the limit; the wait is the longer
 *   of the two. Refused hits still count: a client that keeps hammering stays refused.
 * Returns { hits, window pttl, blocked 0/1, wait pttl }.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local limit = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl < 0 and hits > limit and blockMs > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', blockMs, 'NX')
  blockTtl = redis.call('PTTL', KEYS[2])
end
local blocked = 0
local wait = 0
if blockTtl > 0 then
  blocked = 1
  wait = blockTtl
end
if hits > limit then
  blocked = 1
  if ttl > wait then wait = ttl end
end
return { hits, ttl, blocked, wait }
`;

interface RateLimitCommands {
  rampartRateLimitHit(
    hitsKey: string,
    blockKey: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
  ): Promise<unknown>;
}

function isHitReply(reply: unknown): reply is [number, number, number, number] {
  return Array.isArray(reply) && reply.length === 4 && reply.every((value) => typeof value === 'number');
}

/**
 * @nestjs/throttler's storage in Redis, so a limit holds across every API process instead of per
 * process. The project's own rather than `@nest-lab/throttler-storage-redis`, which does not list
 * NestJS 12 among its peer dependencies; the whole of it is one Lua script.
 *
 * Keys: `<REDIS_KEY_PREFIX>:rl:{<key>}:hits` and `...:block`, where `<key>` is what the guard's
 * generateKey made (it names the tier). The braces are a Redis Cluster hash tag: both keys of a
 * hit live on one node, as a script needs.
 *
 * Times in the record are whole seconds, rounded up, as in the library's own storage (its guard
 * writes them into Retry-After as they are).
 *
 * The connection has the 'state' role: a command fails after about a second instead of holding
 * the request. increment() then rejects and the guard answers 503 `rate_limit_unavailable`: the
 * limits fail closed, because they are what stands between the sign-in and sign-up routes and a
 * brute-force run; letting traffic through unlimited while Redis is away would switch that off.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly redis: Redis & RateLimitCommands;
  private readonly prefix: string;

  constructor(config: ApiConfig, connections: RedisConnections) {
    const redis = connections.open('state', 'rate-limit');
    redis.defineCommand('rampartRateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    // defineCommand adds the method at run time; this is its type.
    this.redis = redis as Redis & RateLimitCommands;
    this.prefix = `${config.redis.keyPrefix}:rl`;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.prefix}:{${key}}`;
    const reply = await this.redis.rampartRateLimitHit(
      `${base}:hits`,
      `${base}:block`,
      Math.max(1, Math.ceil(ttl)),
      limit,
      Math.max(0, Math.ceil(blockDuration)),
    );
    if (!isHitReply(reply)) throw new Error('unexpected reply from the rate-limit script');
    const [totalHits, windowMs, blocked, waitMs] = reply;
    return {
      totalHits,
      timeToExpire: Math.ceil(windowMs / 1_000),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(waitMs / 1_000)) : 0,
    };
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
