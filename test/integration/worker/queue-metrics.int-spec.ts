import { JobName, JobProducer, QueueName } from '@rampart/jobs';
import { Metrics } from '@rampart/observability';
import { QUEUE_READ_BUDGET_MS } from '../../../apps/worker/src/queues/queue.metrics';
import { freePort } from '../../support/free-port.mts';
import { createWorkerInProcess, useWorker } from '../support/apps';
import { scrape } from '../support/exposition';

/**
 * `queue_jobs` and `queue_oldest_waiting_age_seconds` (apps/worker/src/queues/queue.metrics.ts),
 * read from Redis at scrape time. The worker's consumers are idle, so the jobs the spec adds stay
 * where it put them.
 */
describe('worker metrics: queue depth and age, read at scrape time', () => {
  const worker = useWorker();

  const heartbeat = (options: { delay?: number; timestamp?: number } = {}) =>
    worker.get(JobProducer).enqueue(JobName.Heartbeat, { requestedBy: 'queue-metrics-spec' }, options);

  it('reports every queue of the contract, at zero when it is empty', async () => {
    const read = await scrape(worker.get(Metrics));
    for (const queue of Object.values(QueueName)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed'])
        expect(read.value('queue_jobs', { queue, state })).toBe(0);
      expect(read.value('queue_oldest_waiting_age_seconds', { queue })).toBe(0);
    }
  });

  it('counts waiting and delayed jobs, and ages the one waiting longest', async () => {
    await heartbeat({ delay: 60_000 });
    // Added 90 s ago (as a producer whose job waited that long would have): the oldest.
    await heartbeat({ timestamp: Date.now() - 90_000 });
    await heartbeat();

    const read = await scrape(worker.get(Metrics));

    const maintenance = (state: string) => read.value('queue_jobs', { queue: QueueName.Maintenance, state });
    expect(maintenance('waiting')).toBe(2);
    expect(maintenance('delayed')).toBe(1);
    expect(maintenance('active')).toBe(0);
    expect(maintenance('failed')).toBe(0);
    const age = read.value('queue_oldest_waiting_age_seconds', { queue: QueueName.Maintenance });
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(100);
    // The other queue is untouched.
    expect(read.value('queue_jobs', { queue: QueueName.Email, state: 'waiting' })).toBe(0);
    expect(read.value('queue_oldest_waiting_age_seconds', { queue: QueueName.Email })).toBe(0);
  });

  it('answers a scrape at once while Redis is away, leaving the queue series out', async () => {
    const away = await createWorkerInProcess({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      const started = performance.now();
      const read = await scrape(away.get(Metrics));
      const tookMs = performance.now() - started;

      expect(tookMs).toBeLessThan(QUEUE_READ_BUDGET_MS + 500);
      expect(read.find('queue_jobs')).toEqual([]);
      expect(read.find('queue_oldest_waiting_age_seconds')).toEqual([]);
      // The rest of the scrape is there.
      expect(read.find('job_duration_seconds_count').length).toBeGreaterThan(0);
      expect(read.find('email_sent_total').length).toBeGreaterThan(0);
    } finally {
      await away.close();
    }
  });
});
