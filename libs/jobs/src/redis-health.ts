import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConnections } from './redis-connections';

/** Answers whether Redis takes a command right now, on a connection of its own that never queues. */
@Injectable()
export class RedisHealth implements OnModuleDestroy {
  private readonly probe: Redis;

  constructor(connections: RedisConnections) {
    this.probe = connections.open('probe', 'health');
  }

  async ping(): Promise<void> {
    await this.connected();
    const answer = await this.probe.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${String(answer)}`);
  }

  /** Waits for a connection in progress (start-up, reconnect) instead of failing while it completes. */
  private connected(waitMs = 1_000): Promise<void> {
    if (this.probe.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.probe.off('ready', onReady);
        reject(new Error(`Redis connection is ${String(this.probe.status)}`));
      }, waitMs);
      this.probe.once('ready', onReady);
    });
  }

  onModuleDestroy(): void {
    this.probe.disconnect();
  }
}
