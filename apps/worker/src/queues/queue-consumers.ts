import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkerConfig } from '@rampart/config';
import {
  type JobContext,
  type JobHandlerFn,
  type JobName,
  QueueName,
  RedisConnections,
  type QueueProcessor,
  processorProblems,
  queuePrefix,
} from '@rampart/jobs';
import { outcomeOfError } from './job-outcome';
import { QUEUE_PROCESSORS } from './queue-processors.token';
import { QueueMetrics } from './queue.metrics';

/** A job found stalled (its worker died) this many times fails instead of running again. */
const MAX_STALLED_COUNT = 2;

/**
 * Runs one BullMQ worker per consumed queue and dispatches each job to its processor's handler.
 * Refuses to start when a queue's jobs are not each handled exactly once.
 */
@Injectable()
export class QueueConsumers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QueueConsumers.name);
  private readonly workers: Worker[] = [];
  /** The workers' Redis connections: BullMQ leaves a connection it was given open, so close() ends them. */
  private readonly redisConnections: Redis[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: WorkerConfig,
    @Inject(QUEUE_PROCESSORS) private readonly processors: QueueProcessor[],
    private readonly connections: RedisConnections,
    private readonly metrics: QueueMetrics,
  ) {}

  /** The queues this worker consumes, with their concurrency: every queue of the contract, or it does not compile. */
  private concurrency(): Record<QueueName, number> {
    return {
      [QueueName.Maintenance]: this.config.concurrency.maintenance,
      [QueueName.Email]: this.config.concurrency.email,
    };
  }

  onApplicationBootstrap(): void {
    const concurrency = this.concurrency();
    const consumed = Object.keys(concurrency) as QueueName[];
    const problems = processorProblems(
      consumed,
      this.processors.map((processor) => ({
        queue: processor.queue,
        jobNames: Object.keys(processor.handlers),
      })),
    );
    if (problems.length) throw new Error(`worker job wiring is broken: ${problems.join('; ')}`);

    for (const processor of this.processors) {
      const handlers = processor.handlers as Record<string, JobHandlerFn<JobName> | undefined>;
      const connection = this.connections.open('consumer', `worker:${processor.queue}`);
      this.redisConnections.push(connection);
      const run = (job: Job): Promise<unknown> => this.dispatch(processor.queue, handlers, job);
      const worker = new Worker(processor.queue, run, {
        connection,
        prefix: queuePrefix(this.config.redis.keyPrefix),
        concurrency: concurrency[processor.queue],
        // A worker killed mid-job loses its lock after lockDuration; the stalled check (run at half
        // that interval) then puts the job back for another worker.
        lockDuration: this.config.lockDurationMs,
        stalledInterval: Math.max(500, Math.floor(this.config.lockDurationMs / 2)),
        maxStalledCount: MAX_STALLED_COUNT,
        autorun: false,
      });
      worker.on('failed', (job, error) =>
        this.logger.warn(
          { queue: processor.queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error },
          'job failed',
        ),
      );
      worker.on('stalled', (jobId) =>
        this.logger.warn({ queue: processor.queue, jobId }, 'job stalled; it will run again'),
      );
      worker.on('error', (error) =>
        this.logger.error({ queue: processor.queue, err: error }, 'worker error'),
      );
      this.workers.push(worker);
      void worker
        .run()
        .catch((error: unknown) =>
          this.logger.error({ queue: processor.queue, err: error }, 'worker stopped'),
        );
      this.logger.log(
        `consuming queue "${processor.queue}" with concurrency ${concurrency[processor.queue]}`,
      );
    }
  }

  /** Runs one try of a job, timed into job_duration_seconds with how it ended. */
  private async dispatch(
    queue: QueueName,
    handlers: Record<string, JobHandlerFn<JobName> | undefined>,
    job: Job,
  ): Promise<unknown> {
    const recordTry = this.metrics.timeJob(queue, job.name);
    const attempt = job.attemptsMade + 1;
    const context: JobContext = {
      jobId: job.id ?? '',
      attempt,
      isFinalAttempt: attempt >= (job.opts.attempts ?? 1),
    };
    try {
      const handler = handlers[job.name];
      // A job name this build does not know cannot succeed on retry; fail it for inspection instead.
      if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
      const result = await handler(job.data as never, context);
      recordTry('completed');
      return result;
    } catch (error) {
      recordTry(outcomeOfError(error, context));
      throw error;
    }
  }

  /** Every consumer is connected and taking jobs. */
  isRunning(): boolean {
    return this.workers.length > 0 && this.workers.every((worker) => worker.isRunning() && !worker.closing);
  }

  /**
   * Stops taking new jobs, waits for the running ones to finish, then ends the workers' Redis
   * connections. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.workers.map((worker) => worker.close())).then(async () => {
      await Promise.all(this.redisConnections.map((redis) => redis.quit().catch(() => redis.disconnect())));
    });
    return this.closing;
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}
