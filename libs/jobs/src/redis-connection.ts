import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'consumer' | 'probe' | 'state' | 'subscriber';

/**
 * An ioredis connection set up for its role:
 * - consumer (BullMQ workers): retries every command forever, as BullMQ requires, so a Redis
 *   restart pauses processing instead of failing jobs;
 * - producer: fails a command after one retry instead of hanging a request;
 * - probe (health checks): no offline queue, so a ping fails at once while Redis is away;
 * - state (security state read on every request: token denylist, sessions): a command fails after
 *   one second rather than hold a request, so callers can fail closed quickly;
 * - subscriber (pub/sub listening): only SUBSCRIBE. ioredis's own resubscribing is off: its
 *   promise is left unhandled when the connection drops again mid-way, so the owner resubscribes
 *   on 'ready' itself (ChangeFeed).
 * All roles reconnect by themselves with a capped backoff.
 */
export function createRedisConnection(url: string, role: RedisRole, name: string): Redis {
  const options: RedisOptions = {
    connectionName: `rampart:${name}:${role}`,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...(role === 'consumer' ? { maxRetriesPerRequest: null } : {}),
    ...(role === 'producer' ? { maxRetriesPerRequest: 1, connectTimeout: 5_000 } : {}),
    ...(role === 'probe'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000 }
      : {}),
    ...(role === 'state' ? { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 2_000 } : {}),
    ...(role === 'subscriber' ? { autoResubscribe: false } : {}),
  };
  const redis = new Redis(url, options);
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  // Health checks report the outage; the reconnect loop recovers from it.
  redis.on('error', () => undefined);
  return redis;
}

/** BullMQ's key prefix for an app's queues: `<REDIS_KEY_PREFIX>:bull`. */
export function queuePrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}
