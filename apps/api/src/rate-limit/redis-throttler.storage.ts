import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { ApiConfig } from '@rampart/config';
import { RedisConnections } from '@rampart/jobs';
import type { ThrottlerStorageRecord } from './rate-limit.headers';

/**
 * A key's hits of one event-loop turn, atomically (a Lua script runs alone on the server), so
 * concurrent requests from any number of API processes get the hit numbers 1..N exactly once each.
 * KEYS[1]: the window's hit counter; KEYS[2]: the block marker.
 * ARGV: window ttl (ms), limit, block duration (ms, 0: none), the number of hits n.
 * - Fixed window: INCRBY n, and PEXPIRE on the first hit (or on a counter somehow left without expiry).
 * - Over the limit with a block duration: SET the block marker once (NX: hammering does not extend it).
 * Returns { hits after the n, window pttl, the block marker's pttl before this call, its pttl after }.
 * The n hits are numbered hits-n+1..hits in the order they were asked for; recordsOf() decides each.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local limit = tonumber(ARGV[2])
local blockMs = tonumber(ARGV[3])
local blockedBefore = redis.call('PTTL', KEYS[2])
local blockTtl = blockedBefore
if blockTtl < 0 and hits > limit and blockMs > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', blockMs, 'NX')
  blockTtl = redis.call('PTTL', KEYS[2])
end
return { hits, ttl, blockedBefore, blockTtl }
`;

interface RateLimitCommands {
  rampartRateLimitHit(
    hitsKey: string,
    blockKey: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
    hits: number,
  ): Promise<unknown>;
}

function isHitReply(reply: unknown): reply is [number, number, number, number] {
  return Array.isArray(reply) && reply.length === 4 && reply.every((value) => typeof value === 'number');
}

/**
 * The records of the n hits one script call numbered, in order. A hit is refused while a block
 * marker that was there before it lives, or when its own number is over the limit; the wait is the
 * longer of the two (for a hit over the limit: the window's end or the marker set for it). Refused
 * hits still count: a client that keeps hammering stays refused.
 */
export function recordsOf(reply: unknown, n: number, limit: number): ThrottlerStorageRecord[] {
  if (!isHitReply(reply)) throw new Error('unexpected reply from the rate-limit script');
  const [hits, windowMs, blockedBeforeMs, blockMs] = reply;
  const records: ThrottlerStorageRecord[] = [];
  for (let index = 0; index < n; index += 1) {
    const totalHits = hits - n + 1 + index;
    const over = totalHits > limit;
    const blocked = blockedBeforeMs > 0 || over;
    const waitMs = Math.max(blockedBeforeMs, over ? Math.max(windowMs, blockMs) : 0);
    records.push({
      totalHits,
      timeToExpire: Math.ceil(windowMs / 1_000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.max(1, Math.ceil(waitMs / 1_000)) : 0,
    });
  }
  return records;
}

/** The hits of one key and tier waiting for the end of the event-loop turn. */
interface PendingHits {
  key: string;
  ttlMs: number;
  limit: number;
  blockMs: number;
  waiting: { resolve(record: ThrottlerStorageRecord): void; reject(error: unknown): void }[];
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
    const redis = connections.open('state', 'rate-limit', { coalesce: false });
    redis.defineCommand('rampartRateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    // defineCommand adds the method at run time; this is its type.
    this.redis = redis as Redis & RateLimitCommands;
    this.prefix = `${config.redis.keyPrefix}:rl`;
  }

  /** This turn's hits by key and tier numbers; each batch is one script call once the turn's I/O is done. */
  private pending = new Map<string, PendingHits>();
  private flushScheduled = false;

  /**
   * Counts one hit. The hits of one turn of the event loop are sent together when its I/O
   * callbacks have run (setImmediate), one script call per key: a burst on one key (an SDK key's
   * flag evaluations, a client behind one address) costs one command, not one per request. A hit
   * leaves no later than when each hit was its own command: 'state' connections hold a turn's
   * commands until then too (RedisConnections). Each hit still gets its own number from Redis
   * before it is answered, so limits stay exact across processes.
   */
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const ttlMs = Math.max(1, Math.ceil(ttl));
    const blockMs = Math.max(0, Math.ceil(blockDuration));
    // A key's hits share a batch only if they agree on the window, limit and block.
    const batchKey = `${key} ${ttlMs} ${limit} ${blockMs}`;
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(batchKey);
      if (!batch) {
        batch = { key, ttlMs, limit, blockMs, waiting: [] };
        this.pending.set(batchKey, batch);
      }
      batch.waiting.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batches = this.pending;
    this.pending = new Map();
    this.flushScheduled = false;
    // One socket write for the turn's batches: ioredis writes each command as it is sent.
    const socket = this.redis.stream;
    socket?.cork();
    for (const batch of batches.values()) {
      const base = `${this.prefix}:{${batch.key}}`;
      const n = batch.waiting.length;
      this.redis
        .rampartRateLimitHit(`${base}:hits`, `${base}:block`, batch.ttlMs, batch.limit, batch.blockMs, n)
        .then((reply) => {
          const records = recordsOf(reply, n, batch.limit);
          batch.waiting.forEach((waiter, index) => waiter.resolve(records[index]!));
        })
        .catch((error: unknown) => {
          for (const waiter of batch.waiting) waiter.reject(error);
        });
    }
    socket?.uncork();
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
