import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { createRedisConnection } from './redis-connection';

/** Answers whether Redis takes a command right now, on a connection of its own that never queues. */
@Injectable()
export class RedisHealth implements OnModuleDestroy {
  private readonly probe: Redis;

  constructor(config: RuntimeConfig) {
    this.probe = createRedisConnection(config.redis.url, 'probe', 'health');
  }

  async ping(): Promise<void> {
    const answer = await this.probe.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${answer}`);
  }

  onModuleDestroy(): void {
    this.probe.disconnect();
  }
}
