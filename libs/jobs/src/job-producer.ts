import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { RuntimeConfig } from '@rampart/config';
import { JOBS, QueueName, type JobName, type JobPayloads } from './queues';
import { queuePrefix } from './redis-connection';
import { RedisConnections } from './redis-connections';

/**
 * The one way to produce a job. The job's queue and default options come from the contract
 * (JOBS); callers may override options such as `jobId` (for de-duplication) or `delay`.
 */
@Injectable()
export class JobProducer implements OnModuleDestroy {
  private readonly logger = new Logger(JobProducer.name);
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly config: RuntimeConfig,
    connections: RedisConnections,
  ) {
    this.connection = connections.open('producer', 'producer');
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: JobsOptions = {},
  ): Promise<string> {
    const definition = JOBS[name];
    const job = await this.queue(definition.queue).add(name, payload, { ...definition.options, ...options });
    if (!job.id) throw new Error(`queue ${definition.queue} returned a job without an id`);
    this.logger.debug({ job: name, jobId: job.id }, 'job enqueued');
    return job.id;
  }

  /** The BullMQ queue object, for inspection (counts, job lookups) by ops endpoints and tests. */
  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: queuePrefix(this.config.redis.keyPrefix),
      });
      queue.on('error', (error) => this.logger.warn({ queue: name, err: error }, 'queue connection error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
