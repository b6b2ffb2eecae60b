import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { EmailOutboxRepository, type OutboxEmail } from '@rampart/db';
import { EmailTemplate } from '@rampart/email';
import { JobName, JobProducer, QueueName, sendEmailJobId, type HeartbeatResult } from '@rampart/jobs';
import { Metrics } from '@rampart/observability';
import { uniqueEmail } from '../../factories';
import { eventually } from '../../support/eventually';
import { SmtpSink } from '../../support/smtp-sink';
import { useWorker } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { type Scrape, scrape } from '../support/exposition';

/**
 * The worker's job and mail metrics (apps/worker/src/queues/queue.metrics.ts,
 * apps/worker/src/email/email-delivery.metrics.ts, maintenance.metrics.ts), with its consumers
 * running real jobs from the file's own queues and delivering to a real SMTP server.
 */
describe('worker metrics: jobs and mail, as a scrape shows them', () => {
  const sink = new SmtpSink();
  beforeAll(() => sink.start());
  const worker = useWorker(
    () => ({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      EMAIL_APP_URL: 'https://app.example.test',
    }),
    { consume: true },
  );
  // After the worker's own afterAll (hooks run in the order declared): its SMTP pool closes first.
  afterAll(() => sink.stop());
  const db = useDatabase();

  const read = (): Promise<Scrape> => scrape(worker.get(Metrics));

  /** How much each sample of `name` with these labels grew between two scrapes. */
  const growth = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>): number =>
    (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

  /** Waits for a job to settle, and gives its final state. */
  const settled = async (queue: QueueName, jobId: string): Promise<string> =>
    eventually(
      () => worker.get(JobProducer).queue(queue).getJobState(jobId),
      (state) => state === 'completed' || state === 'failed',
    );

  /** An outbox mail written directly (no dispatch), so the spec enqueues its send job with the options it needs. */
  const outboxMail = async (template: string = EmailTemplate.AdminAlert): Promise<OutboxEmail> => {
    const [mail] = await worker
      .get(EmailOutboxRepository)
      .add([
        { recipient: uniqueEmail('metrics'), template, params: { title: 'Disk', message: 'Almost full' } },
      ]);
    return mail!;
  };

  const send = (mail: OutboxEmail, options: JobsOptions = {}): Promise<string> =>
    worker
      .get(JobProducer)
      .enqueue(JobName.SendEmail, { outboxId: mail.id }, { jobId: sendEmailJobId(mail.id), ...options });

  const duration = (queue: QueueName, job: JobName, outcome: string) => ({ queue, job_name: job, outcome });

  it('times a completed job and a failed one by queue, job and outcome, and records the heartbeat', async () => {
    const before = await read();
    const producer = worker.get(JobProducer);
    const heartbeat = await producer.enqueue(JobName.Heartbeat, { requestedBy: 'metrics-spec' });
    // No such outbox row: DeliverEmail throws UnrecoverableError, final on the first try.
    const missing = await producer.enqueue(JobName.SendEmail, { outboxId: randomUUID() });

    expect(await settled(QueueName.Maintenance, heartbeat)).toBe('completed');
    expect(await settled(QueueName.Email, missing)).toBe('failed');

    const after = await read();
    const count = (labels: Record<string, string>) =>
      growth(before, after, 'job_duration_seconds_count', labels);
    expect(count(duration(QueueName.Maintenance, JobName.Heartbeat, 'completed'))).toBe(1);
    expect(count(duration(QueueName.Email, JobName.SendEmail, 'failed'))).toBe(1);
    expect(count(duration(QueueName.Email, JobName.SendEmail, 'retried'))).toBe(0);
    expect(count(duration(QueueName.Email, JobName.SendEmail, 'completed'))).toBe(0);
    // The try is in a bucket, and took some time.
    expect(
      growth(before, after, 'job_duration_seconds_bucket', {
        ...duration(QueueName.Maintenance, JobName.Heartbeat, 'completed'),
        le: '+Inf',
      }),
    ).toBe(1);
    expect(
      growth(
        before,
        after,
        'job_duration_seconds_sum',
        duration(QueueName.Maintenance, JobName.Heartbeat, 'completed'),
      ),
    ).toBeGreaterThan(0);

    // The gauge holds the beat the job recorded (PostgreSQL's clock), in unix seconds.
    const result = (await producer.queue(QueueName.Maintenance).getJob(heartbeat))!
      .returnvalue as HeartbeatResult;
    expect(after.value('worker_heartbeat_timestamp_seconds')).toBeCloseTo(
      Date.parse(result.beatAt) / 1_000,
      3,
    );

    // The failed job stays in the queue's failed set, and the scrape reads it from Redis.
    expect(after.value('queue_jobs', { queue: QueueName.Email, state: 'failed' })).toBe(1);
    expect(after.value('queue_jobs', { queue: QueueName.Maintenance, state: 'failed' })).toBe(0);
  });

  it('counts a delivered mail and observes its latency from the outbox row to the SMTP server', async () => {
    const mail = await outboxMail();
    // Staged 42 s ago, as if the queue had been slow: the latency is counted from the row, not the job.
    await db.rows(`UPDATE email_outbox SET created_at = created_at - interval '42 seconds' WHERE id = $1`, [
      mail.id,
    ]);
    const before = await read();

    const jobId = await send(mail);

    expect(await settled(QueueName.Email, jobId)).toBe('completed');
    expect(sink.delivered(mail.messageId)).toHaveLength(1);
    const after = await read();
    const template = { template: EmailTemplate.AdminAlert };
    expect(growth(before, after, 'email_sent_total', template)).toBe(1);
    expect(growth(before, after, 'email_delivery_seconds_count', template)).toBe(1);
    const latency = growth(before, after, 'email_delivery_seconds_sum', template);
    expect(latency).toBeGreaterThanOrEqual(42);
    expect(latency).toBeLessThan(60);
    expect(growth(before, after, 'email_delivery_seconds_bucket', { ...template, le: '30' })).toBe(0);
    expect(growth(before, after, 'email_delivery_seconds_bucket', { ...template, le: '60' })).toBe(1);
    expect(growth(before, after, 'email_retried_total', template)).toBe(0);
    expect(
      growth(
        before,
        after,
        'job_duration_seconds_count',
        duration(QueueName.Email, JobName.SendEmail, 'completed'),
      ),
    ).toBe(1);
  });

  it('counts a transient refusal as a retry, then the delivery', async () => {
    const mail = await outboxMail();
    const before = await read();
    sink.replyNext(451, '4.3.0 Try again later');

    const jobId = await send(mail, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });

    expect(await settled(QueueName.Email, jobId)).toBe('completed');
    const after = await read();
    const template = { template: EmailTemplate.AdminAlert };
    expect(growth(before, after, 'email_retried_total', template)).toBe(1);
    expect(growth(before, after, 'email_sent_total', template)).toBe(1);
    const count = (outcome: string) =>
      growth(
        before,
        after,
        'job_duration_seconds_count',
        duration(QueueName.Email, JobName.SendEmail, outcome),
      );
    expect([count('retried'), count('completed'), count('failed')]).toEqual([1, 1, 0]);
  });

  it('counts mails given up, by why: refused for good, out of tries, or an unknown template', async () => {
    const before = await read();

    const refused = await outboxMail();
    sink.replyNext(550, '5.1.1 Recipient address rejected');
    expect(await settled(QueueName.Email, await send(refused))).toBe('failed');

    // A transient refusal on the only try: the tries are exhausted.
    const exhausted = await outboxMail();
    sink.replyNext(451, '4.3.0 Try again later');
    expect(await settled(QueueName.Email, await send(exhausted, { attempts: 1 }))).toBe('failed');

    const unknown = await outboxMail('no-such-template');
    expect(await settled(QueueName.Email, await send(unknown))).toBe('failed');

    const after = await read();
    const failed = (template: string, kind: string) =>
      growth(before, after, 'email_failed_total', { template, kind });
    expect(failed(EmailTemplate.AdminAlert, 'permanent')).toBe(1);
    expect(failed(EmailTemplate.AdminAlert, 'exhausted')).toBe(1);
    expect(failed('unknown', 'permanent')).toBe(1);
    expect(after.find('email_failed_total', { template: 'no-such-template' })).toEqual([]);
    expect(growth(before, after, 'email_retried_total', { template: EmailTemplate.AdminAlert })).toBe(0);
    expect(growth(before, after, 'email_sent_total', { template: EmailTemplate.AdminAlert })).toBe(0);
    expect(
      growth(
        before,
        after,
        'job_duration_seconds_count',
        duration(QueueName.Email, JobName.SendEmail, 'failed'),
      ),
    ).toBe(3);
  });
});
