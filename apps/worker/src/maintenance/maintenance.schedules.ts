import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { WorkerConfig } from '@rampart/config';
import { JOBS, JobName, JobProducer, QueueName } from '@rampart/jobs';

/**
 * Registers the maintenance queue's job schedulers (BullMQ's repeatable jobs). Upserting is
 * idempotent, so every worker instance can do it at start-up and a changed interval replaces the
 * old one.
 */
@Injectable()
export class MaintenanceSchedules implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceSchedules.name);

  constructor(
    private readonly config: WorkerConfig,
    private readonly producer: JobProducer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { options } = JOBS[JobName.Heartbeat];
    await this.producer.queue(QueueName.Maintenance).upsertJobScheduler(
      JobName.Heartbeat,
      { every: this.config.heartbeatIntervalMs },
      {
        name: JobName.Heartbeat,
        data: { requestedBy: 'scheduler' },
        opts: {
          attempts: options.attempts,
          backoff: options.backoff,
          removeOnComplete: options.removeOnComplete,
          removeOnFail: options.removeOnFail,
        },
      },
    );
    this.logger.log(`scheduled ${JobName.Heartbeat} every ${this.config.heartbeatIntervalMs} ms`);
  }
}
