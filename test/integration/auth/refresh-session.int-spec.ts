import { UserRepository } from '@rampart/db';
import { LogIn } from '../../../apps/api/src/auth/use-cases/log-in';
import { RefreshSession } from '../../../apps/api/src/auth/use-cases/refresh-session';
import { type TestUser, createActiveUser } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase, useRedis } from '../support/data-stores';
import { auditEntriesAbout } from '../support/records';
import { runOutInactivity, sessionState } from '../support/session-state';

/**
 * Refresh-token rotation (apps/api/src/auth/use-cases/refresh-session.ts): each refresh token works
 * once; a spent one presented again ends the whole session, in PostgreSQL and in Redis.
 */
describe('RefreshSession', () => {
  const api = useApi();
  const db = useDatabase();
  const redis = useRedis();

  const signIn = async (user: TestUser) => {
    const pair = await api
      .get(LogIn)
      .execute({ email: user.email, password: user.password, client: { ipAddress: null, userAgent: null } });
    if (!('refreshToken' in pair)) throw new Error('expected a session, got an MFA challenge');
    return pair;
  };

  const sessionRow = async (sessionId: string) =>
    (
      await db.rows<{ revoked_reason: string | null }>('SELECT revoked_reason FROM sessions WHERE id = $1', [
        sessionId,
      ])
    )[0];

  const refreshTokensOf = (sessionId: string) =>
    db.rows<{ used: boolean }>(
      'SELECT used_at IS NOT NULL AS used FROM refresh_tokens WHERE session_id = $1 ORDER BY created_at',
      [sessionId],
    );

  it('rotates: the same session, a new refresh token, the old one spent', async () => {
    const first = await signIn(await createActiveUser(api.app));

    const second = await api.get(RefreshSession).execute({ refreshToken: first.refreshToken });

    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await refreshTokensOf(first.sessionId)).toEqual([{ used: true }, { used: false }]);
    expect(await sessionRow(first.sessionId)).toEqual({ revoked_reason: null });
    expect(await sessionState(redis, api, first.sessionId)).toMatchObject({ active: true, ended: false });
  });

  it('ends the session when a spent token comes back, and records the reuse', async () => {
    const user = await createActiveUser(api.app);
    const first = await signIn(user);
    const second = await api.get(RefreshSession).execute({ refreshToken: first.refreshToken });

    await expect(api.get(RefreshSession).execute({ refreshToken: first.refreshToken })).rejects.toMatchObject(
      {
        code: 'refresh_token_reused',
        status: 401,
      },
    );

    expect(await sessionRow(first.sessionId)).toEqual({ revoked_reason: 'refresh_token_reused' });
    expect(await auditEntriesAbout(db, first.sessionId)).toContainEqual({
      actor: `user:${user.id}`,
      action: 'auth.refresh_token_reused',
      target_type: 'session',
      outcome: 'denied',
    });
    expect(await sessionState(redis, api, first.sessionId)).toEqual({
      active: false,
      idle: false,
      ended: true,
    });
    // The owner's newer token dies with the session.
    await expect(
      api.get(RefreshSession).execute({ refreshToken: second.refreshToken }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses a token it never issued', async () => {
    await expect(
      api.get(RefreshSession).execute({ refreshToken: 'not-a-refresh-token' }),
    ).rejects.toMatchObject({
      code: 'invalid_refresh_token',
      status: 401,
    });
  });

  it('ends the session of an account that was disabled meanwhile', async () => {
    const user = await createActiveUser(api.app);
    const pair = await signIn(user);
    await api.get(UserRepository).setStatus(user.id, 'disabled');

    await expect(api.get(RefreshSession).execute({ refreshToken: pair.refreshToken })).rejects.toMatchObject({
      code: 'invalid_refresh_token',
    });

    expect(await sessionRow(pair.sessionId)).toEqual({ revoked_reason: 'account_inactive' });
    expect(await sessionState(redis, api, pair.sessionId)).toMatchObject({ active: false, ended: true });
  });

  it('ends a session that sat idle past its timeout instead of refreshing it', async () => {
    const pair = await signIn(await createActiveUser(api.app));
    expect(await sessionState(redis, api, pair.sessionId)).toMatchObject({ idle: true });
    // The inactivity deadline passes.
    await runOutInactivity(redis, api, pair.sessionId);

    await expect(api.get(RefreshSession).execute({ refreshToken: pair.refreshToken })).rejects.toMatchObject({
      code: 'session_expired',
    });

    expect(await sessionRow(pair.sessionId)).toEqual({ revoked_reason: 'idle_timeout' });
    expect(await refreshTokensOf(pair.sessionId)).toEqual([{ used: false }]);
    expect(await sessionState(redis, api, pair.sessionId)).toMatchObject({ active: false, ended: true });
  });
});
