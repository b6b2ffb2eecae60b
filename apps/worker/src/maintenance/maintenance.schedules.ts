import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { JobSchedulerTemplateOptions, RepeatOptions } from 'bullmq';
import { WorkerConfig } from '@rampart/config';
import { JOBS, JobName, JobProducer, type JobPayloads, PurgeTarget, QueueName } from '@rampart/jobs';

interface Schedule<N extends JobName = JobName> {
  id: string;
  job: N;
  data: JobPayloads[N];
  repeat: Omit<RepeatOptions, 'key'>;
}

/**
 * Registers the maintenance queue's job schedulers (BullMQ's repeatable jobs). Upserting is
 * idempotent, so every worker instance does it at start-up, and a changed interval or cron
 * pattern replaces the old one.
 */
@Injectable()
export class MaintenanceSchedules implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceSchedules.name);

  constructor(
    private readonly config: WorkerConfig,
    private readonly producer: JobProducer,
  ) {}

  private schedules(): Schedule[] {
    return [
      {
        id: JobName.Heartbeat,
        job: JobName.Heartbeat,
        data: { requestedBy: 'scheduler' },
        repeat: { every: this.config.heartbeatIntervalMs },
      },
      {
        id: JobName.OutboxSweep,
        job: JobName.OutboxSweep,
        data: {},
        repeat: { every: this.config.outbox.sweepIntervalMs },
      },
      {
        id: JobName.RolloutsEvaluate,
        job: JobName.RolloutsEvaluate,
        data: {},
        repeat: { every: this.config.rolloutEvaluationIntervalMs },
      },
      ...Object.values(PurgeTarget).map((target): Schedule => ({
        id: `${JobName.Purge}:${target}`,
        job: JobName.Purge,
        data: { target },
        repeat: { pattern: this.config.purgeCron, tz: 'UTC' },
      })),
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.producer.queue(QueueName.Maintenance);
    for (const schedule of this.schedules()) {
      const { attempts, backoff, removeOnComplete, removeOnFail } = JOBS[schedule.job].options;
      const opts: JobSchedulerTemplateOptions = { attempts, backoff, removeOnComplete, removeOnFail };
      await queue.upsertJobScheduler(schedule.id, schedule.repeat, {
        name: schedule.job,
        data: schedule.data,
        opts,
      });
      const when = schedule.repeat.every
        ? `every ${schedule.repeat.every} ms`
        : `on "${schedule.repeat.pattern}" (UTC)`;
      this.logger.log(`scheduled ${schedule.id} ${when}`);
    }
  }
}
