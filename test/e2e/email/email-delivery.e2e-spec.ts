import { Database, EmailOutboxRepository, type OutboxEmail } from '@rampart/db';
import { JobProducer, QueueName, sendEmailJobId } from '@rampart/jobs';
import { EmailOutbox } from '@rampart/outbox';
import { eventually } from '../../support/eventually';
import { type MailStack, startMailStack } from '../support/mail-stack';

describe('e-mail delivery through the outbox, the worker and SMTP', () => {
  let stack: MailStack;
  let outbox: EmailOutbox;
  let repository: EmailOutboxRepository;

  beforeAll(async () => {
    stack = await startMailStack({
      worker: {
        EMAIL_APP_URL: 'https://app.example.test/',
        OUTBOX_SWEEP_INTERVAL_MS: '500',
        OUTBOX_SWEEP_AFTER_MS: '1500',
      },
    });
    outbox = stack.api.app.get(EmailOutbox);
    repository = stack.api.app.get(EmailOutboxRepository);
  });

  afterAll(() => stack?.stop());

  it('delivers a mail with the right recipient, subject, body and the outbox Message-ID, then wipes its parameters', async () => {
    const [email] = await outbox.send([
      { to: 'ada@example.test', template: 'verification', params: { token: 'tok+/=en', expiresInHours: 24 } },
    ]);
    expect(email?.messageId).toMatch(/^<[0-9a-f-]{36}@rampart\.local>$/);
    await stack.sink.waitFor(() => stack.sink.delivered(email!.messageId).length === 1);

    const [mail] = stack.sink.delivered(email!.messageId);
    expect(mail?.to).toBe('ada@example.test');
    expect(mail?.subject).toContain('Rampart');
    expect(mail?.subject).not.toContain('tok');
    expect(mail?.text).toContain('https://app.example.test/verify-email?token=tok%2B%2F%3Den');
    expect(mail?.html).toContain('https://app.example.test/verify-email?token=tok%2B%2F%3Den');

    const row = await eventually(
      () => repository.find(email!.id),
      (found) => found?.status === 'sent',
    );
    expect(row).toMatchObject({ status: 'sent', attempts: 1, params: {}, lastError: null });
  });

  it('retries transient SMTP replies: 451 twice, then delivered exactly once', async () => {
    stack.sink.replyNext(451, '4.3.0 Try again later', 2);
    const [email] = await outbox.send([
      {
        to: 'grace@example.test',
        template: 'admin-alert',
        params: { title: 'Disk', message: 'Disk at 91%' },
      },
    ]);
    await stack.sink.waitFor(() => stack.sink.delivered(email!.messageId).length === 1, 30_000);
    expect(
      stack.sink.attempts.filter((attempt) => attempt.messageId === email!.messageId).map((a) => a.reply),
    ).toEqual([451, 451, 250]);
    const row = await eventually(
      () => repository.find(email!.id),
      (found) => found?.status === 'sent',
    );
    expect(row?.attempts).toBe(3);
    // No late duplicate from a retry still in flight.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(stack.sink.delivered(email!.messageId)).toHaveLength(1);
  });

  it('fails a permanent SMTP refusal (550) at once, without retrying, and records why on the row', async () => {
    stack.sink.replyNext(550, '5.1.1 <nobody@example.test>: Recipient address rejected');
    const [email] = await outbox.send([
      {
        to: 'nobody@example.test',
        template: 'mfa-changed',
        params: { change: 'enabled', occurredAt: new Date().toISOString() },
      },
    ]);
    const row = await eventually(
      () => repository.find(email!.id),
      (found) => found?.status === 'failed',
    );
    expect(row?.lastError).toContain('550');
    expect(row?.lastError).toContain('Recipient address rejected');
    expect(row?.params).toEqual({});

    const job = await stack.api.app.get(JobProducer).queue(QueueName.Email).getJob(sendEmailJobId(email!.id));
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(stack.sink.attempts.filter((attempt) => attempt.messageId === email!.messageId)).toHaveLength(1);
    expect(stack.sink.delivered(email!.messageId)).toHaveLength(0);
  });

  it('delivers a mail whose enqueue was lost after the commit: the sweeper finds it', async () => {
    // The API committed the outbox row and died before enqueueing: the row alone, no job.
    const [email] = await stack.api.app.get(Database).transaction((tx) =>
      repository.add(
        [
          {
            recipient: 'linus@example.test',
            template: 'lockout-notice',
            params: { lockedUntil: '2026-11-22T10:15:00Z', failedAttempts: 5 },
          },
        ],
        tx,
      ),
    );
    expect(
      await stack.api.app.get(JobProducer).queue(QueueName.Email).getJob(sendEmailJobId(email!.id)),
    ).toBeUndefined();

    await stack.sink.waitFor(
      () => stack.sink.delivered(email!.messageId).length === 1,
      15_000,
      'the swept mail',
    );
    expect(stack.sink.delivered(email!.messageId)[0]?.text).toContain('5');
    const row: OutboxEmail | null = await eventually(
      () => repository.find(email!.id),
      (found) => found?.status === 'sent',
    );
    expect(row?.attempts).toBe(1);
  });

  it('does not send a mail twice when its job is produced twice', async () => {
    const [email] = await outbox.send([
      {
        to: 'barbara@example.test',
        template: 'security-alert',
        params: { event: 'New sign-in', occurredAt: new Date().toISOString() },
      },
    ]);
    await stack.sink.waitFor(() => stack.sink.delivered(email!.messageId).length === 1);
    await eventually(
      () => repository.find(email!.id),
      (found) => found?.status === 'sent',
    );
    // A second job for the same row (the sweeper racing the API, a replayed enqueue) finds it sent.
    await stack.api.app
      .get(JobProducer)
      .enqueue('email.send', { outboxId: email!.id }, { jobId: `${sendEmailJobId(email!.id)}-again` });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(stack.sink.delivered(email!.messageId)).toHaveLength(1);
  });
});
