import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
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
 *
 * The schedulers live only in Redis. If Redis loses its data (a restart without persistence, a
 * failover to an empty replica, a flush), nothing would schedule the heartbeat, the outbox sweep or
 * the purges again until a worker restarts; so every heartbeat interval each instance checks that
 * they are all there and registers the missing ones.
 */
@Injectable()
export class MaintenanceSchedules implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceSchedules.name);
  private watch: NodeJS.Timeout | undefined;
  private checking = false;

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
    for (const schedule of this.schedules()) await this.register(schedule);
    this.watch = setInterval(() => void this.restoreLost(), this.config.heartbeatIntervalMs);
    this.watch.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.watch);
  }

  private async register(schedule: Schedule): Promise<void> {
    const queue = this.producer.queue(QueueName.Maintenance);
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

  /** Registers the schedules Redis no longer has (see the class comment); only the missing ones. */
  private async restoreLost(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const queue = this.producer.queue(QueueName.Maintenance);
      const present = new Set((await queue.getJobSchedulers()).map((scheduler) => scheduler.key));
      const lost = this.schedules().filter((schedule) => !present.has(schedule.id));
      if (lost.length) {
        this.logger.warn(
          `${lost.length} job scheduler(s) missing from Redis (data lost?): registering them again`,
        );
      }
      for (const schedule of lost) await this.register(schedule);
    } catch (error) {
      // Redis unreachable: the readiness probe reports it; the next tick tries again.
      this.logger.warn(
        `could not check the job schedulers: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      this.checking = false;
    }
  }
}
