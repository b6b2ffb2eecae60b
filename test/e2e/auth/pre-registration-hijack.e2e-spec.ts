import { createHash } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import pg from 'pg';
import { JobName, PurgeTarget, QueueName, queuePrefix } from '@rampart/jobs';
import { linkToken, mailsTo } from '../support/mail-links';
import { type SpawnedMailStack, startSpawnedMailStack } from '../support/mail-stack';
import { REDIS_URL, randomSuffix, runDatabaseUrl } from '../../support/run-settings';

const ATTACKER_PASSWORD = 'attackers-own-passphrase-41';
const VICTIM_PASSWORD = 'owners-real-passphrase-2026';
const VICTIM_NEW_PASSWORD = 'owners-reset-passphrase-77';

/**
 * The pre-registration hijack: an attacker signs up with the victim's address and a password of
 * their own, before the victim does. Whatever the victim then does with the mails in their inbox
 * (click the link, register again, reset the password), the attacker's password must never sign
 * in to the account, and the victim's must.
 */
describe('pre-registration hijack (attacker registers the victim address first)', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: SpawnedMailStack;

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${stack.api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const register = (email: string, password: string): Promise<Response> =>
    post('register', { email, password });
  const verify = (token: string, password: string): Promise<Response> =>
    post('verify-email', { token, password });
  const loginStatus = async (email: string, password: string): Promise<number> =>
    (await post('login', { email, password })).status;
  const verificationLink = (email: string, nth = 1): Promise<string> =>
    linkToken(stack.sink, email, 'verify your e-mail', 'verify-email', nth);
  const victimAddress = (): string => `victim-${randomSuffix()}@example.test`;
  const status = async (email: string): Promise<string | undefined> =>
    (await db.query<{ status: string }>('SELECT status FROM users WHERE email = $1', [email])).rows[0]
      ?.status;

  beforeAll(async () => {
    await db.connect();
    // Debug logs, so the last test sees everything both apps would ever write about these requests.
    stack = await startSpawnedMailStack({ LOG_LEVEL: 'debug' });
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  it("the owner clicking the link in their inbox does not activate the attacker's password", async () => {
    const victim = victimAddress();
    expect((await register(victim, ATTACKER_PASSWORD)).status).toBe(202);
    const token = await verificationLink(victim);

    // The owner opens the link and types their own password: that is not the pending account's.
    const clicked = await verify(token, VICTIM_PASSWORD);
    expect(clicked.status).toBe(400);
    expect(clicked.headers.get('content-type')).toContain('application/problem+json');
    expect(await clicked.json()).toMatchObject({ code: 'invalid_token' });
    expect(await status(victim)).toBe('unverified');
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).not.toBe(200);

    // The owner takes the address back by registering again: the attacker's password is gone.
    expect((await register(victim, VICTIM_PASSWORD)).status).toBe(202);
    const fresh = await verificationLink(victim, 2);
    expect((await verify(token, ATTACKER_PASSWORD)).status).toBe(400);
    expect((await verify(fresh, VICTIM_PASSWORD)).status).toBe(200);
    expect(await loginStatus(victim, VICTIM_PASSWORD)).toBe(200);
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
  });

  it("the owner registering again replaces the attacker's pending password and retires their links", async () => {
    const victim = victimAddress();
    await register(victim, ATTACKER_PASSWORD);
    const attackersLink = await verificationLink(victim);
    expect((await register(victim, VICTIM_PASSWORD)).status).toBe(202);
    const ownersLink = await verificationLink(victim, 2);

    // Even with the attacker's password, the link of the attacker's registration no longer works.
    expect((await verify(attackersLink, ATTACKER_PASSWORD)).status).toBe(400);
    expect((await verify(ownersLink, VICTIM_PASSWORD)).status).toBe(200);
    expect(await loginStatus(victim, VICTIM_PASSWORD)).toBe(200);
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);

    // Once the account is active, another sign-up changes nothing and tells the owner.
    expect((await register(victim, ATTACKER_PASSWORD)).status).toBe(202);
    await stack.sink.waitFor(
      () => mailsTo(stack.sink, victim, 'someone tried to register').length === 1,
      15_000,
      'the registration-attempt mail',
    );
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    expect(await loginStatus(victim, VICTIM_PASSWORD)).toBe(200);
  });

  it("the owner resetting the password activates the account with the owner's password only", async () => {
    const victim = victimAddress();
    await register(victim, ATTACKER_PASSWORD);
    const attackersLink = await verificationLink(victim);

    expect((await post('password/forgot', { email: victim })).status).toBe(202);
    const resetToken = await linkToken(stack.sink, victim, 'reset your password', 'reset-password');
    expect(
      (await post('password/reset', { token: resetToken, newPassword: VICTIM_NEW_PASSWORD })).status,
    ).toBe(204);
    expect(await status(victim)).toBe('active');
    expect(await loginStatus(victim, VICTIM_NEW_PASSWORD)).toBe(200);
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
    // Had the attacker got hold of the first link, it would not bring their password back either.
    expect((await verify(attackersLink, ATTACKER_PASSWORD)).status).toBe(400);
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
  });

  it('keeps the link usable after a wrong password, and counts wrong passwords toward the sign-in lockout', async () => {
    const email = victimAddress();
    await register(email, VICTIM_PASSWORD);
    const token = await verificationLink(email);
    expect((await verify(token, 'a-mistyped-passphrase-1')).status).toBe(400);
    expect((await verify(token, VICTIM_PASSWORD)).status).toBe(200);
    expect(await loginStatus(email, VICTIM_PASSWORD)).toBe(200);

    const other = victimAddress();
    await register(other, ATTACKER_PASSWORD);
    const othersToken = await verificationLink(other);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1)
      statuses.push((await verify(othersToken, `guess-number-${i}-wrong`)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    const locked = await verify(othersToken, ATTACKER_PASSWORD);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ code: 'account_locked' });
    expect(await loginStatus(other, ATTACKER_PASSWORD)).toBe(429);
    expect(await status(other)).toBe('unverified');
  });

  it('never writes an address into the logs of either app, though jobs carry it', async () => {
    const victim = victimAddress();
    await register(victim, ATTACKER_PASSWORD);
    // The jobs run concurrently: the account must exist before its links are asked for.
    await verificationLink(victim);
    await post('password/forgot', { email: victim });
    await post('resend-verification', { email: victim });
    await linkToken(stack.sink, victim, 'reset your password', 'reset-password');
    await verificationLink(victim, 2);
    const lines = [...stack.api.output, ...stack.worker.output];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => /victim-[0-9a-f]{8}@/.test(line))).toEqual([]);
    expect(lines.filter((line) => line.includes(ATTACKER_PASSWORD) || line.includes('$argon2id$'))).toEqual(
      [],
    );
  });

  it('keeps the password hash out of queue data: the job names a row, which the worker removes', async () => {
    const victim = victimAddress();
    const queue = new Queue(QueueName.Email, {
      connection: { url: REDIS_URL },
      prefix: queuePrefix(stack.env.REDIS_KEY_PREFIX ?? ''),
    });
    try {
      // Paused, the job waits where an operator (the queue dashboard) could read it.
      await queue.pause();
      expect((await register(victim, ATTACKER_PASSWORD)).status).toBe(202);
      const waiting = await queue.getJobs(['waiting', 'prioritized']);
      const data = waiting.map((job) => ({ name: job.name, data: job.data as Record<string, unknown> }));
      const signUp = data.find((job) => job.name === JobName.RegistrationRequested);
      expect(Object.keys(signUp?.data ?? {})).toEqual(['requestId']);
      expect(JSON.stringify(data)).not.toContain('$argon2');
      const held = await db.query('SELECT 1 FROM registration_requests WHERE email = $1', [victim]);
      expect(held.rowCount).toBe(1);
    } finally {
      await queue.resume();
      await queue.close();
    }
    await verificationLink(victim);
    const left = await db.query('SELECT 1 FROM registration_requests WHERE email = $1', [victim]);
    expect(left.rowCount).toBe(0);
    // The worker's change is audited in its own transaction, through the same audit lib as the API's.
    const audited = await db.query<{ action: string; actor: string }>(
      `SELECT a.action, a.actor FROM audit_log a JOIN users u ON a.target_id = u.id::text
        WHERE u.email = $1 ORDER BY a.seq`,
      [victim],
    );
    expect(audited.rows).toEqual([{ action: 'user.registered', actor: 'anonymous' }]);
  });

  it('purges a pending registration once its link has expired, freeing the address', async () => {
    const victim = victimAddress();
    await register(victim, ATTACKER_PASSWORD);
    const token = await verificationLink(victim);
    await db.query(`UPDATE users SET created_at = now() - interval '25 hours' WHERE email = $1`, [victim]);
    await db.query(
      `UPDATE email_verification_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = $1`,
      [createHash('sha256').update(token).digest('hex')],
    );
    const connection = { url: REDIS_URL };
    const prefix = queuePrefix(stack.env.REDIS_KEY_PREFIX ?? '');
    const queue = new Queue(QueueName.Maintenance, { connection, prefix });
    const events = new QueueEvents(QueueName.Maintenance, { connection, prefix });
    try {
      await events.waitUntilReady();
      const job = await queue.add(JobName.Purge, { target: PurgeTarget.PendingRegistrations });
      const result = (await job.waitUntilFinished(events, 15_000)) as { removed: number };
      expect(result.removed).toBeGreaterThanOrEqual(1);
    } finally {
      await events.close();
      await queue.close();
    }
    expect(await status(victim)).toBeUndefined();

    // The owner registers the freed address as new.
    await register(victim, VICTIM_PASSWORD);
    const ownersLink = await verificationLink(victim, 2);
    expect((await verify(ownersLink, VICTIM_PASSWORD)).status).toBe(200);
    expect(await loginStatus(victim, VICTIM_PASSWORD)).toBe(200);
    expect(await loginStatus(victim, ATTACKER_PASSWORD)).toBe(401);
  });
});
