import { Injectable } from '@nestjs/common';
import type { Command, Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { Metrics } from '@rampart/observability';
import { type RedisRole, createRedisConnection } from './redis-connection';

/**
 * For the connections every request uses ('state': token state, rate limits): the commands written
 * in one turn of the event loop leave in one socket write. ioredis writes each command to the
 * socket at once, a system call per command, which was a fifth of the API's CPU time under load
 * (three commands per authenticated request). Corking the socket at a turn's first command and
 * uncorking it once the turn's I/O callbacks have run (setImmediate) batches the commands of every
 * request that turn handled; a command waits at most for the rest of its turn. ioredis's own
 * auto-pipelining also flushes on setImmediate, but builds a Pipeline per batch and per connection;
 * this keeps ioredis's plain command path and costs one timer per turn.
 */
function writeCoalescer(redis: Redis): () => void {
  let corked = false;
  return () => {
    const socket = redis.stream;
    if (corked || !socket?.writable) return;
    corked = true;
    socket.cork();
    setImmediate(() => {
      corked = false;
      socket.uncork();
    });
  };
}

/**
 * Opens the process's Redis connections (see createRedisConnection for the roles) and counts their
 * failures in `redis_errors_total{connection}`: connection errors (refused, reset, failed
 * reconnects) and commands Redis or the client failed (error replies, timeouts, no connection).
 * ioredis has no per-command hook, so the count wraps sendCommand, its one way out.
 */
@Injectable()
export class RedisConnections {
  private readonly errors;

  constructor(
    private readonly config: RuntimeConfig,
    metrics: Metrics,
  ) {
    this.errors = metrics.counter({
      name: 'redis_errors_total',
      help: 'Redis connection errors and failed commands, by connection name.',
      labelNames: ['connection'],
    });
  }

  /**
   * `coalesce: false` leaves a 'state' connection's writes alone, for a caller that sends a turn's
   * commands together by itself (RedisThrottlerStorage): coalescing would hold them for one more turn.
   */
  open(role: RedisRole, name: string, options: { coalesce?: boolean } = {}): Redis {
    const redis = createRedisConnection(this.config.redis.url, role, name);
    const counter = this.errors.labels(name);
    counter.inc(0);
    redis.on('error', () => counter.inc());
    const send = redis.sendCommand.bind(redis);
    const coalesce = role === 'state' && options.coalesce !== false ? writeCoalescer(redis) : null;
    redis.sendCommand = (command: Command, stream?: Parameters<Redis['sendCommand']>[1]) => {
      command.promise.catch(() => counter.inc());
      coalesce?.();
      return send(command, stream);
    };
    return redis;
  }
}
