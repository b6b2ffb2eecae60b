import { ApiConfig } from '@rampart/config';
import { LogIn } from '../../../apps/api/src/auth/use-cases/log-in';
import { createActiveUser, createPendingUser, seedTotp, uniqueEmail } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase, useRedis } from '../support/data-stores';
import { auditEntriesAbout, outboxMailsTo } from '../support/records';
import { sessionState } from '../support/session-state';

const CLIENT = { ipAddress: '203.0.113.7', userAgent: 'integration-test' };
const WRONG_PASSWORD = 'not-the-password-at-all-1';

/**
 * Password sign-in (apps/api/src/auth/use-cases/log-in.ts): a session in PostgreSQL and Redis for
 * the right password, and for everything else the same refusal, a recorded attempt, an audit entry
 * and a step towards the address's lockout.
 */
describe('LogIn', () => {
  const api = useApi();
  const db = useDatabase();
  const redis = useRedis();

  const logIn = (email: string, password: string) =>
    api.get(LogIn).execute({ email, password, client: CLIENT });

  const attemptsOf = (email: string) =>
    db.rows<{ reason: string; success: boolean; user_id: string | null }>(
      'SELECT reason, success, user_id FROM login_attempts WHERE email = $1 ORDER BY created_at',
      [email],
    );

  const throttleOf = async (email: string) =>
    (
      await db.rows<{ failed_count: number; locked_until: Date | null }>(
        'SELECT failed_count, locked_until FROM login_throttles WHERE email = $1',
        [email],
      )
    )[0];

  const sessionsOf = (userId: string) =>
    db.rows<{ id: string; amr: string[]; ip_address: string; user_agent: string }>(
      'SELECT id, amr, ip_address, user_agent FROM sessions WHERE user_id = $1',
      [userId],
    );

  it('opens a session for the right password: rows, audit entry, Redis state and a clean count', async () => {
    const user = await createActiveUser(api.app);
    await expect(logIn(user.email, WRONG_PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials' });

    const pair = await logIn(user.email.toUpperCase(), user.password);

    expect(pair).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) as string });
    const sessions = await sessionsOf(user.id);
    expect(sessions).toEqual([
      {
        id: (pair as { sessionId: string }).sessionId,
        amr: ['pwd'],
        ip_address: CLIENT.ipAddress,
        user_agent: CLIENT.userAgent,
      },
    ]);
    const sessionId = sessions[0]!.id;
    expect(await db.rows('SELECT used_at FROM refresh_tokens WHERE session_id = $1', [sessionId])).toEqual([
      { used_at: null },
    ]);
    expect(await auditEntriesAbout(db, sessionId)).toEqual([
      { actor: `user:${user.id}`, action: 'auth.login', target_type: 'session', outcome: 'success' },
    ]);
    expect((await attemptsOf(user.email)).map((attempt) => attempt.reason)).toEqual([
      'invalid_credentials',
      'ok',
    ]);
    // A completed sign-in clears the address's failures.
    expect(await throttleOf(user.email)).toBeUndefined();
    expect(await sessionState(redis, api, sessionId)).toEqual({ active: true, idle: true, ended: false });
  });

  it('refuses a wrong password and an unknown address alike, and counts both', async () => {
    const user = await createActiveUser(api.app);
    const unknown = uniqueEmail('nobody');

    const wrong = logIn(user.email, WRONG_PASSWORD);
    const missing = logIn(unknown, WRONG_PASSWORD);

    await expect(wrong).rejects.toMatchObject({ code: 'invalid_credentials', status: 401 });
    await expect(missing).rejects.toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(await sessionsOf(user.id)).toEqual([]);
    expect(await attemptsOf(user.email)).toEqual([
      { reason: 'invalid_credentials', success: false, user_id: user.id },
    ]);
    expect(await attemptsOf(unknown)).toEqual([
      { reason: 'invalid_credentials', success: false, user_id: null },
    ]);
    expect(await throttleOf(user.email)).toEqual({ failed_count: 1, locked_until: null });
    expect(await throttleOf(unknown)).toEqual({ failed_count: 1, locked_until: null });
    const failures = await db.rows(
      "SELECT actor, outcome FROM audit_log WHERE action = 'auth.login' AND actor_id = $1",
      [user.id],
    );
    expect(failures).toEqual([{ actor: `user:${user.id}`, outcome: 'failure' }]);
  });

  it('locks the address at the limit, mails the owner, and then refuses even the right password', async () => {
    const user = await createActiveUser(api.app);
    const limit = api.get(ApiConfig).lockout.maxFailures;
    for (let attempt = 1; attempt <= limit; attempt += 1) {
      await expect(logIn(user.email, WRONG_PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials' });
    }

    const throttle = await throttleOf(user.email);
    expect(throttle?.failed_count).toBe(limit);
    expect(throttle?.locked_until?.getTime()).toBeGreaterThan(Date.now());
    expect((await auditEntriesAbout(db, user.id)).map((entry) => [entry.actor, entry.action])).toEqual([
      ['system:lockout', 'auth.lockout'],
    ]);
    expect(await outboxMailsTo(db, user.email)).toMatchObject([{ template: 'lockout-notice' }]);

    await expect(logIn(user.email, user.password)).rejects.toMatchObject({
      code: 'account_locked',
      status: 429,
      headers: { 'retry-after': expect.stringMatching(/^\d+$/) as string },
    });
    expect((await attemptsOf(user.email)).at(-1)?.reason).toBe('account_locked');
    expect(await sessionsOf(user.id)).toEqual([]);
  });

  it('tells an unverified account to verify first, after the right password only', async () => {
    const pending = await createPendingUser(api.app);

    await expect(logIn(pending.email, pending.password)).rejects.toMatchObject({
      code: 'email_not_verified',
      status: 403,
    });

    expect(await sessionsOf(pending.id)).toEqual([]);
    expect((await attemptsOf(pending.email)).map((attempt) => attempt.reason)).toEqual([
      'email_not_verified',
    ]);
    expect(await throttleOf(pending.email)).toBeUndefined();
  });

  it('answers an MFA challenge instead of a session when TOTP is on', async () => {
    const user = await createActiveUser(api.app);
    await seedTotp(api.app, user);

    await expect(logIn(user.email, user.password)).resolves.toMatchObject({
      mfaRequired: true,
      mfaToken: expect.any(String) as string,
    });

    expect(await sessionsOf(user.id)).toEqual([]);
    expect((await attemptsOf(user.email)).map((attempt) => attempt.reason)).toEqual(['mfa_required']);
    // The right password is taken back: it moves the address no closer to a lock.
    expect(await throttleOf(user.email)).toMatchObject({ failed_count: 0 });
  });
});
