import { EmailOutboxRepository, RegistrationRequestRepository } from '@rampart/db';
import { JobProducer, QueueName, sendEmailJobId } from '@rampart/jobs';
import { StartRegistration } from '../../../apps/worker/src/accounts/start-registration';
import { createActiveUser, createPendingUser, uniqueEmail } from '../../factories';
import { useWorker } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { auditEntriesAbout, outboxMailsTo, userByEmail } from '../support/records';

/**
 * The worker's half of a sign-up (apps/worker/src/accounts/start-registration.ts): account, link,
 * audit entry (@rampart/audit) and mail (@rampart/outbox) commit in one unit of work, the mail's
 * send job is enqueued after the commit, and nothing of it exists when the unit fails.
 */
describe('StartRegistration (worker)', () => {
  const worker = useWorker();
  const db = useDatabase();

  /** A sign-up as the API leaves it: the request row holding the address and the password's hash. */
  const requestRegistration = (email: string, passwordHash = `hash-${uniqueEmail()}`) =>
    worker.get(RegistrationRequestRepository).create({ email, passwordHash });

  const sendJobOf = (outboxId: string) =>
    worker.get(JobProducer).queue(QueueName.Email).getJob(sendEmailJobId(outboxId));

  const requestsOf = (email: string) =>
    db.rows('SELECT id FROM registration_requests WHERE email = $1', [email]);

  const verificationLinksOf = (userId: string) =>
    db.rows('SELECT id FROM email_verification_tokens WHERE user_id = $1 AND used_at IS NULL', [userId]);

  it('creates an unverified account with a link, an audit entry and a verification mail', async () => {
    const email = uniqueEmail('sign-up');
    const requestId = await requestRegistration(email, 'the-registered-hash');

    await expect(worker.get(StartRegistration).run({ requestId })).resolves.toEqual({ mailsStaged: 1 });

    const user = await userByEmail(db, email);
    expect(user).toMatchObject({ status: 'unverified', password_hash: 'the-registered-hash' });
    expect(await verificationLinksOf(user!.id)).toHaveLength(1);
    expect(await auditEntriesAbout(db, user!.id)).toEqual([
      { actor: 'anonymous', action: 'user.registered', target_type: 'user', outcome: 'success' },
    ]);
    const mails = await outboxMailsTo(db, email);
    expect(mails).toMatchObject([{ template: 'verification', status: 'pending' }]);
    expect(mails[0]!.params).toMatchObject({ token: expect.any(String) as string, expiresInHours: 24 });
    // Dispatched after the commit: the send job waits in the file's own email queue.
    expect((await sendJobOf(mails[0]!.id))?.data).toEqual({ outboxId: mails[0]!.id });
    // The request, with its password hash, is gone in the same transaction.
    expect(await requestsOf(email)).toEqual([]);
  });

  it('gives a pending account the latest password and a fresh link, and retires the old one', async () => {
    const pending = await createPendingUser(worker.app);
    await worker.get(StartRegistration).run({ requestId: await requestRegistration(pending.email) });
    const requestId = await requestRegistration(pending.email, 'the-latest-hash');

    await expect(worker.get(StartRegistration).run({ requestId })).resolves.toEqual({ mailsStaged: 1 });

    expect(await userByEmail(db, pending.email)).toMatchObject({
      id: pending.id,
      status: 'unverified',
      password_hash: 'the-latest-hash',
    });
    expect(await verificationLinksOf(pending.id)).toHaveLength(1);
    expect((await auditEntriesAbout(db, pending.id)).map((entry) => entry.action)).toEqual([
      'user.registration_replaced',
      'user.registration_replaced',
    ]);
    expect((await outboxMailsTo(db, pending.email)).map((mail) => mail.template)).toEqual([
      'verification',
      'verification',
    ]);
  });

  it('leaves an active account alone and tells its owner someone tried', async () => {
    const owner = await createActiveUser(worker.app);
    const before = await userByEmail(db, owner.email);

    await worker.get(StartRegistration).run({ requestId: await requestRegistration(owner.email) });

    expect(await userByEmail(db, owner.email)).toEqual(before);
    expect(await verificationLinksOf(owner.id)).toEqual([]);
    expect(await auditEntriesAbout(db, owner.id)).toEqual([]);
    expect(await outboxMailsTo(db, owner.email)).toMatchObject([
      { template: 'registration-attempt', status: 'pending' },
    ]);
    expect(await requestsOf(owner.email)).toEqual([]);
  });

  it('does nothing for a request already carried out (a retried or duplicate job)', async () => {
    const email = uniqueEmail('sign-up');
    const requestId = await requestRegistration(email);
    await worker.get(StartRegistration).run({ requestId });

    await expect(worker.get(StartRegistration).run({ requestId })).resolves.toEqual({ mailsStaged: 0 });

    expect(await outboxMailsTo(db, email)).toHaveLength(1);
    expect(await auditEntriesAbout(db, (await userByEmail(db, email))!.id)).toHaveLength(1);
  });

  it('writes nothing, and enqueues nothing, when its unit of work fails before the commit', async () => {
    const email = uniqueEmail('sign-up');
    const requestId = await requestRegistration(email);
    // The mail is the unit's last write: failing it leaves the account, link and audit entry written
    // in the transaction, and all of them must roll back.
    const outboxWrite = jest
      .spyOn(worker.get(EmailOutboxRepository), 'add')
      .mockRejectedValueOnce(new Error('the outbox write failed'));
    const queued = await worker.get(JobProducer).queue(QueueName.Email).count();
    const [lastAudit] = await db.rows<{ seq: string }>(
      'SELECT coalesce(max(seq), 0)::text AS seq FROM audit_log',
    );

    try {
      await expect(worker.get(StartRegistration).run({ requestId })).rejects.toThrow(
        'the outbox write failed',
      );
      expect(outboxWrite).toHaveBeenCalledTimes(1);
    } finally {
      outboxWrite.mockRestore();
    }

    expect(await userByEmail(db, email)).toBeUndefined();
    expect(await db.rows('SELECT action FROM audit_log WHERE seq > $1', [lastAudit?.seq])).toEqual([]);
    expect(await outboxMailsTo(db, email)).toEqual([]);
    expect(await worker.get(JobProducer).queue(QueueName.Email).count()).toBe(queued);
    // The request was taken in the rolled-back transaction, so it is still there for the job's retry.
    expect(await requestsOf(email)).toHaveLength(1);
    await expect(worker.get(StartRegistration).run({ requestId })).resolves.toEqual({ mailsStaged: 1 });
    expect(await userByEmail(db, email)).toMatchObject({ status: 'unverified' });
  });
});
