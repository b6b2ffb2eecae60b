import { Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '@rampart/http';
import {
  QUEUE_READ_BUDGET_MS,
  QueueHealthReader,
  QueueName,
  jobsOfQueue,
  type QueueHealth,
} from '@rampart/jobs';
import { Metrics } from '@rampart/observability';
import { JOB_OUTCOMES, type JobOutcome } from './job-outcome';

/** Resolves sub-second housekeeping, a few seconds of SMTP, and the lock duration's range. */
export const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The `job` label of a job whose name no handler of its queue knows: names from Redis stay bounded. */
export const UNKNOWN_JOB = 'unknown';

/**
 * How long a scrape waits for Redis before it answers without the queue gauges (shared with the API's
 * dashboard), so the other metrics still arrive while Redis is away.
 */
export { QUEUE_READ_BUDGET_MS };

const QUEUES = Object.values(QueueName);
type QueueState = 'waiting' | 'active' | 'delayed' | 'failed';
const QUEUE_STATES: readonly QueueState[] = ['waiting', 'active', 'delayed', 'failed'];

/**
 * The worker's queue metrics:
 * - `job_duration_seconds{queue,job,outcome}`: each try of a job, timed around its handler;
 * - `queue_jobs{queue,state}` and `queue_oldest_waiting_age_seconds{queue}`: every queue of the
 *   contract, read from Redis at scrape time. Only the worker exports them: the API runs several
 *   replicas, which would each report the same queues. When Redis does not answer within
 *   QUEUE_READ_BUDGET_MS the scrape has no queue series (a gap, rather than stale values).
 */
@Injectable()
export class QueueMetrics {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly duration;

  constructor(
    metrics: Metrics,
    private readonly queues: QueueHealthReader,
  ) {
    this.duration = metrics.histogram({
      name: 'job_duration_seconds',
      // `job_name`, not `job`: Prometheus keeps `job` for the scrape job.
      help: 'Time a try of a job took in its handler, by queue, job name and outcome (completed, retried, failed).',
      labelNames: ['queue', 'job_name', 'outcome'],
      buckets: JOB_DURATION_BUCKETS,
    });
    for (const queue of QUEUES)
      for (const job of jobsOfQueue(queue))
        for (const outcome of JOB_OUTCOMES) this.duration.zero({ queue, job_name: job, outcome });

    const jobs = metrics.gauge({
      name: 'queue_jobs',
      help: 'Jobs in each queue by state (waiting includes prioritized), read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      collect: async () => {
        const readings = await this.read();
        jobs.reset();
        for (const reading of readings ?? [])
          for (const state of QUEUE_STATES) jobs.set({ queue: reading.queue, state }, reading[state]);
      },
    });
    const oldest = metrics.gauge({
      name: 'queue_oldest_waiting_age_seconds',
      help: 'How long the longest-waiting job of each queue has been ready to run; 0 when none waits.',
      labelNames: ['queue'],
      collect: async () => {
        const readings = await this.read();
        oldest.reset();
        for (const reading of readings ?? [])
          oldest.set({ queue: reading.queue }, (reading.oldestWaitingAgeMs ?? 0) / 1_000);
      },
    });
  }

  /** Starts timing a try of a job; the returned function records it with its outcome. */
  timeJob(queue: QueueName, job: string): (outcome: JobOutcome) => void {
    const known: readonly string[] = jobsOfQueue(queue);
    const end = this.duration.startTimer({ queue, job_name: known.includes(job) ? job : UNKNOWN_JOB });
    return (outcome) => void end({ outcome });
  }

  /**
   * Every queue's reading, or undefined when Redis did not give it in time. Both gauges of one
   * scrape collect at once and share one read (QueueHealthReader).
   */
  private async read(): Promise<QueueHealth[] | undefined> {
    try {
      return await withTimeout(this.queues.read(), QUEUE_READ_BUDGET_MS, 'Redis (queue metrics)');
    } catch (error) {
      this.logger.warn({ err: error }, 'queue metrics left out of this scrape');
      return undefined;
    }
  }
}
