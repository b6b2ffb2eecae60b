import { ApiConfig } from '@rampart/config';
import { Database, OneTimeTokenRepository } from '@rampart/db';
import { newOneTimeToken } from '@rampart/identity';
import { VerifyEmail } from '../../../apps/api/src/auth/use-cases/verify-email';
import { type TestUser, createPendingUser } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { userByEmail } from '../support/records';

/**
 * E-mail verification (apps/api/src/auth/use-cases/verify-email.ts): a live link and the account's
 * password activate it, once; every refusal looks the same, and a wrong password is a guess that
 * counts towards the address's lockout and leaves the link usable.
 */
describe('VerifyEmail', () => {
  const api = useApi();
  const db = useDatabase();

  /** A verification link for the account, as the worker issues one (24 h unless told otherwise). */
  const issueLink = async (user: TestUser, expiresAt = new Date(Date.now() + 86_400_000)) => {
    const { token, hash } = newOneTimeToken();
    await api
      .get(Database)
      .transaction((tx) =>
        api.get(OneTimeTokenRepository).issue('email-verification', user.id, hash, expiresAt, tx),
      );
    return token;
  };

  const linkUsed = async (userId: string) =>
    (
      await db.rows<{ used: boolean }>(
        'SELECT used_at IS NOT NULL AS used FROM email_verification_tokens WHERE user_id = $1',
        [userId],
      )
    )[0]?.used;

  const throttleOf = (email: string) =>
    db.rows('SELECT failed_count FROM login_throttles WHERE email = $1', [email]);

  const invalid = { code: 'invalid_token', status: 400 };

  it('activates the account with the link and its password, and spends the link', async () => {
    const user = await createPendingUser(api.app);
    const token = await issueLink(user);

    await api.get(VerifyEmail).execute({ token, password: user.password });

    const account = await userByEmail(db, user.email);
    expect(account).toMatchObject({ status: 'active', email_verified_at: expect.any(Date) as Date });
    expect(await linkUsed(user.id)).toBe(true);
    expect(await throttleOf(user.email)).toEqual([]);
    await expect(api.get(VerifyEmail).execute({ token, password: user.password })).rejects.toMatchObject(
      invalid,
    );
  });

  it('refuses a wrong password, counts it, and leaves the account and the link as they were', async () => {
    const user = await createPendingUser(api.app);
    const token = await issueLink(user);

    await expect(
      api.get(VerifyEmail).execute({ token, password: 'not-the-registered-password-1' }),
    ).rejects.toMatchObject(invalid);

    expect(await userByEmail(db, user.email)).toMatchObject({
      status: 'unverified',
      email_verified_at: null,
    });
    expect(await linkUsed(user.id)).toBe(false);
    expect(await throttleOf(user.email)).toEqual([{ failed_count: 1 }]);
    // The owner, with the right password, can still use it.
    await api.get(VerifyEmail).execute({ token, password: user.password });
    expect(await userByEmail(db, user.email)).toMatchObject({ status: 'active' });
  });

  it('locks the address after LOGIN_MAX_FAILURES wrong passwords: then even the right one waits', async () => {
    const user = await createPendingUser(api.app);
    const token = await issueLink(user);
    for (let guess = 1; guess <= api.get(ApiConfig).lockout.maxFailures; guess += 1) {
      await expect(
        api.get(VerifyEmail).execute({ token, password: `wrong-guess-number-${guess}` }),
      ).rejects.toMatchObject(invalid);
    }

    await expect(api.get(VerifyEmail).execute({ token, password: user.password })).rejects.toMatchObject({
      code: 'account_locked',
      status: 429,
    });

    const [throttle] = await db.rows<{ locked_until: Date | null }>(
      'SELECT locked_until FROM login_throttles WHERE email = $1',
      [user.email],
    );
    expect(throttle?.locked_until?.getTime()).toBeGreaterThan(Date.now());
    expect(await userByEmail(db, user.email)).toMatchObject({ status: 'unverified' });
    expect(await linkUsed(user.id)).toBe(false);
  });

  it('refuses unknown and expired links the same way, without checking (or counting) a password', async () => {
    const user = await createPendingUser(api.app);
    const expired = await issueLink(user, new Date(Date.now() - 1_000));

    await expect(
      api.get(VerifyEmail).execute({ token: 'an-unknown-token', password: user.password }),
    ).rejects.toMatchObject(invalid);
    await expect(
      api.get(VerifyEmail).execute({ token: expired, password: user.password }),
    ).rejects.toMatchObject(invalid);

    expect(await userByEmail(db, user.email)).toMatchObject({ status: 'unverified' });
    expect(await throttleOf(user.email)).toEqual([]);
  });

  it('refuses a link that a newer sign-up retired', async () => {
    const user = await createPendingUser(api.app);
    const older = await issueLink(user);
    await issueLink(user);

    await expect(
      api.get(VerifyEmail).execute({ token: older, password: user.password }),
    ).rejects.toMatchObject(invalid);

    expect(await userByEmail(db, user.email)).toMatchObject({ status: 'unverified' });
  });
});
