import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobProducer } from './job-producer';
import { QueueName } from './queues';
import { waitingSince } from './waiting-since';

/**
 * How long a reader of queue health (a metrics scrape, the admin dashboard) waits for Redis before
 * it answers without the queues: well inside Prometheus' 10 s scrape timeout and a page's refresh.
 */
export const QUEUE_READ_BUDGET_MS = 750;

/** One queue's backlog as Redis holds it now. */
export interface QueueHealth {
  queue: QueueName;
  /** Ready to run, prioritized jobs included. */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** How long the longest-waiting job has been ready to run, in ms; null when none waits. */
  oldestWaitingAgeMs: number | null;
}

const QUEUES = Object.values(QueueName);

/**
 * Every queue of the contract, read from Redis: the worker's queue gauges and the API's dashboard
 * read the same figures the same way. Concurrent reads share one round of commands (a scrape
 * collects two gauges at once; several dashboards poll together).
 */
@Injectable()
export class QueueHealthReader {
  private reading: Promise<QueueHealth[]> | undefined;

  constructor(private readonly producer: JobProducer) {}

  read(): Promise<QueueHealth[]> {
    this.reading ??= Promise.all(QUEUES.map((name) => this.readQueue(name))).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readQueue(name: QueueName): Promise<QueueHealth> {
    const queue = this.producer.queue(name);
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    return {
      queue: name,
      waiting,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingAgeMs: waiting ? await oldestWaitingAgeMs(queue) : null,
    };
  }
}

/**
 * The age of the longest-waiting job: the tail of the waiting list (first in, first out), or the
 * next prioritized job (those run by priority, so the next is the one a backlog holds up).
 */
async function oldestWaitingAgeMs(queue: Queue): Promise<number | null> {
  const heads = await queue.getJobs(['waiting', 'prioritized'], 0, 0, true);
  if (!heads.length) return null;
  const since = Math.min(...heads.map((job) => waitingSince(job)));
  return Math.max(0, Date.now() - since);
}
