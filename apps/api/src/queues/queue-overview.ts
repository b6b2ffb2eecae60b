import { Injectable } from '@nestjs/common';
import { JobProducer, QueueName } from '@rampart/jobs';

export interface QueueStats {
  name: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Age of the oldest job still waiting, in ms; null when none waits. */
  oldestWaitingAgeMs: number | null;
}

/** Counts per queue for operators: the JSON twin of the dashboard. */
@Injectable()
export class QueueOverview {
  constructor(private readonly producer: JobProducer) {}

  async stats(): Promise<QueueStats[]> {
    return Promise.all(
      Object.values(QueueName).map(async (name) => {
        const queue = this.producer.queue(name);
        const [counts, oldest] = await Promise.all([
          queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
          queue.getJobs(['waiting'], 0, 0, true),
        ]);
        const first = oldest[0];
        return {
          name,
          waiting: counts.waiting ?? 0,
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          completed: counts.completed ?? 0,
          oldestWaitingAgeMs: first ? Math.max(0, Date.now() - first.timestamp) : null,
        };
      }),
    );
  }
}
