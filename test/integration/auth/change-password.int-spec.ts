import { ApiConfig } from '@rampart/config';
import { ChangePassword } from '../../../apps/api/src/auth/use-cases/change-password';
import { LogIn } from '../../../apps/api/src/auth/use-cases/log-in';
import type { UserPrincipal } from '../../../apps/api/src/identity/principal';
import { type TestUser, createActiveUser } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase, useRedis } from '../support/data-stores';
import { auditEntriesAbout, userByEmail } from '../support/records';
import { sessionState } from '../support/session-state';

const NEW_PASSWORD = 'copper-meadow-signal-47';

/**
 * A signed-in user changes their password (apps/api/src/auth/use-cases/change-password.ts): the
 * current one is checked and counted like a sign-in; the change, its audit entry and the end of
 * every other session commit together, and Redis learns of the ended sessions after the commit.
 */
describe('ChangePassword', () => {
  const api = useApi();
  const db = useDatabase();
  const redis = useRedis();

  /** A session of the user and the principal its access token stands for. */
  const signIn = async (user: TestUser): Promise<UserPrincipal> => {
    const pair = await api
      .get(LogIn)
      .execute({ email: user.email, password: user.password, client: { ipAddress: null, userAgent: null } });
    if (!('sessionId' in pair)) throw new Error('expected a session, got an MFA challenge');
    return {
      kind: 'user',
      userId: user.id,
      sessionId: pair.sessionId,
      role: 'viewer',
      amr: ['pwd'],
      jti: `jti-${pair.sessionId}`,
      expiresAt: new Date(Date.now() + pair.expiresIn * 1_000),
    };
  };

  const changePassword = (principal: UserPrincipal, currentPassword: string, newPassword: string) =>
    api.get(ChangePassword).execute({ principal, currentPassword, newPassword });

  const revokedReason = async (sessionId: string) =>
    (
      await db.rows<{ reason: string | null }>(
        'SELECT revoked_reason AS reason FROM sessions WHERE id = $1',
        [sessionId],
      )
    )[0]?.reason;

  const throttleOf = (email: string) =>
    db.rows('SELECT failed_count FROM login_throttles WHERE email = $1', [email]);

  it('changes the password, ends every other session and records the change', async () => {
    const user = await createActiveUser(api.app);
    const current = await signIn(user);
    const other = await signIn(user);
    const before = (await userByEmail(db, user.email))!.password_hash;

    await changePassword(current, user.password, NEW_PASSWORD);

    // The right current password is taken back from the count.
    expect(await throttleOf(user.email)).toEqual([{ failed_count: 0 }]);
    expect((await userByEmail(db, user.email))!.password_hash).not.toBe(before);
    await expect(
      api
        .get(LogIn)
        .execute({ email: user.email, password: NEW_PASSWORD, client: { ipAddress: null, userAgent: null } }),
    ).resolves.toMatchObject({ tokenType: 'Bearer' });
    expect(await revokedReason(current.sessionId)).toBeNull();
    expect(await revokedReason(other.sessionId)).toBe('password_changed');
    expect(await sessionState(redis, api, other.sessionId)).toEqual({
      active: false,
      idle: false,
      ended: true,
    });
    expect(await sessionState(redis, api, current.sessionId)).toMatchObject({ active: true, ended: false });
    expect(await auditEntriesAbout(db, user.id)).toEqual([
      { actor: `user:${user.id}`, action: 'auth.password_changed', target_type: 'user', outcome: 'success' },
    ]);
  });

  it('refuses a wrong current password: nothing changes, the guess is counted and recorded', async () => {
    const user = await createActiveUser(api.app);
    const current = await signIn(user);
    const other = await signIn(user);
    const before = await userByEmail(db, user.email);

    await expect(changePassword(current, 'a-wrong-current-password-9', NEW_PASSWORD)).rejects.toMatchObject({
      code: 'invalid_credentials',
      status: 401,
    });

    expect(await userByEmail(db, user.email)).toEqual(before);
    expect(await revokedReason(other.sessionId)).toBeNull();
    expect(await throttleOf(user.email)).toEqual([{ failed_count: 1 }]);
    expect(await auditEntriesAbout(db, user.id)).toEqual([
      {
        actor: `user:${user.id}`,
        action: 'auth.password_confirmation',
        target_type: 'user',
        outcome: 'failure',
      },
    ]);
  });

  it('locks the address when the current password is guessed LOGIN_MAX_FAILURES times', async () => {
    const user = await createActiveUser(api.app);
    const current = await signIn(user);
    const limit = api.get(ApiConfig).lockout.maxFailures;
    for (let guess = 1; guess <= limit; guess += 1) {
      await expect(
        changePassword(current, `wrong-guess-number-${guess}`, NEW_PASSWORD),
      ).rejects.toMatchObject({ code: 'invalid_credentials' });
    }

    await expect(changePassword(current, user.password, NEW_PASSWORD)).rejects.toMatchObject({
      code: 'account_locked',
      status: 429,
    });

    const actions = (await auditEntriesAbout(db, user.id)).map((entry) => `${entry.action} ${entry.outcome}`);
    expect(actions).toContain('auth.lockout success');
    expect(actions.at(-1)).toBe('auth.password_confirmation denied');
  });

  it('refuses a new password the policy rejects, and keeps the sessions', async () => {
    const user = await createActiveUser(api.app);
    const current = await signIn(user);
    const other = await signIn(user);
    const before = await userByEmail(db, user.email);

    await expect(changePassword(current, user.password, 'short')).rejects.toMatchObject({
      code: 'validation_failed',
      extensions: { errors: { newPassword: expect.any(Array) as string[] } },
    });

    expect(await userByEmail(db, user.email)).toEqual(before);
    expect(await revokedReason(other.sessionId)).toBeNull();
    expect(await auditEntriesAbout(db, user.id)).toEqual([]);
  });
});
