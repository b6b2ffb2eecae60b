import { Injectable } from '@nestjs/common';
import type { Command, Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { Metrics } from '@rampart/observability';
import { type RedisRole, createRedisConnection } from './redis-connection';

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

  open(role: RedisRole, name: string): Redis {
    const redis = createRedisConnection(this.config.redis.url, role, name);
    const counter = this.errors.labels(name);
    counter.inc(0);
    redis.on('error', () => counter.inc());
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (command: Command, stream?: Parameters<Redis['sendCommand']>[1]) => {
      command.promise.catch(() => counter.inc());
      return send(command, stream);
    };
    return redis;
  }
}
