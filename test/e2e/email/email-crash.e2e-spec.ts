import { EmailOutboxRepository } from '@rampart/db';
import { EmailOutbox, type EmailRequest } from '@rampart/outbox';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { SmtpSink } from '../../support/smtp-sink';

const MAILS = 200;
const CONCURRENCY = 4;

describe('a worker killed with SIGKILL in the middle of 200 queued mails', () => {
  const sink = new SmtpSink();
  let api: RunningApi;
  const workers: AppProcess[] = [];

  beforeAll(() => sink.start());
  afterAll(async () => {
    await api?.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    await sink.stop();
  });

  it('loses none: after a restart every mail is delivered, each at most once more than its crash window allows', async () => {
    const env = appEnv({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      WORKER_EMAIL_CONCURRENCY: String(CONCURRENCY),
      // Short locks so the killed worker's jobs are recovered in seconds (stalled-job detection).
      WORKER_LOCK_DURATION_MS: '2000',
      // The sweeper stays out of it: recovery must come from BullMQ's stalled detection alone. (It
      // also runs once at start; nothing in the run's shared database is a day old for it to take.)
      OUTBOX_SWEEP_INTERVAL_MS: '600000',
      OUTBOX_SWEEP_AFTER_MS: '86400000',
    });
    const first = await AppProcess.start('worker', env);
    workers.push(first);
    api = await startApiInProcess({ REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX });

    const requests: EmailRequest[] = Array.from({ length: MAILS }, (_, i) => ({
      to: `user${i}@example.test`,
      template: 'admin-alert',
      params: { title: `Alert ${i}`, message: `Message number ${i}` },
    }));
    const emails = await api.app.get(EmailOutbox).send(requests);
    expect(emails).toHaveLength(MAILS);

    await sink.waitFor(() => sink.mails.length >= 40, 30_000, '40 mails before the kill');
    first.signal('SIGKILL');
    expect(await first.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    const deliveredBeforeKill = sink.mails.length;
    expect(deliveredBeforeKill).toBeLessThan(MAILS);

    workers.push(await AppProcess.start('worker', env));
    const expected = new Set(emails.map((email) => email.messageId));
    const distinct = (): number =>
      new Set(sink.mails.map((mail) => mail.messageId).filter((id) => expected.has(id))).size;
    await sink.waitFor(() => distinct() === MAILS, 60_000, `all ${MAILS} mails after the restart`);

    // Every row ends up marked sent (a mail delivered just before the kill but not yet marked is
    // sent again once its lock and lease expire).
    const repository = api.app.get(EmailOutboxRepository);
    const unsent = async (): Promise<number> =>
      (await Promise.all(emails.map((email) => repository.find(email.id)))).filter(
        (row) => row?.status !== 'sent',
      ).length;
    const deadline = Date.now() + 30_000;
    while ((await unsent()) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await unsent()).toBe(0);

    // At-least-once: a mail can only be sent twice if the kill fell between the server's 250 and
    // the row being marked sent, which at most the CONCURRENCY mails in flight can be in.
    const duplicates = sink.mails.filter((mail) => expected.has(mail.messageId)).length - distinct();
    console.log(
      `crash test: ${deliveredBeforeKill} delivered before SIGKILL, ${MAILS} distinct after restart, ${duplicates} duplicate(s)`,
    );
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
  });
});
