import { type ApiAnswer, callApi } from '../support/api-call';
import pg from 'pg';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { type TestUser, createActiveUser } from '../../factories';
import type { RunningApi } from '../../support/in-process-api';
import { type MailStack, startMailStack } from '../support/mail-stack';
import { runDatabaseUrl } from '../../support/run-settings';
import { type SignedIn, enrolTotp, signIn, signInWithMfa, signInWithMfaEnrolment } from '../support/sign-in';
import type { SmtpSink } from '../../support/smtp-sink';
import { awayFromStepEnd } from '../../support/totp-steps.mts';

/**
 * POST /v1/admin/users/:id/mfa/reset: the way back for a user who lost their authenticator and their
 * recovery codes, and the one way to remove someone's second factor without their password and a code.
 */
describe("an administrator resets a user's MFA", () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: MailStack;
  let api: RunningApi;
  let sink: SmtpSink;
  let adminUser: TestUser;
  let admin: SignedIn;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(api.url, method, path, { token, body });
  const reset = (userId: string, token?: string): Promise<ApiAnswer> =>
    call('POST', `/v1/admin/users/${userId}/mfa/reset`, token);
  const mfaRows = async (userId: string): Promise<Record<string, unknown>> => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT totp_secret, totp_pending_secret, totp_last_used_step, mfa_enabled_at,
              (SELECT count(*)::int FROM mfa_recovery_codes WHERE user_id = users.id) AS recovery_codes
         FROM users WHERE id = $1`,
      [userId],
    );
    return rows[0] ?? {};
  };

  /**
   * A user with TOTP on and three open sessions: two password-only ones (one of them used to enrol)
   * and one that passed MFA. The first and the last are returned.
   */
  async function enrolledUser(): Promise<{ user: TestUser; sessions: SignedIn[]; secret: string }> {
    await awayFromStepEnd();
    const user = await createActiveUser(api.app);
    const before = await signIn(api.url, user);
    const { session, enrolment } = await signInWithMfaEnrolment(api.url, user);
    return { user, sessions: [before, session], secret: enrolment.secret };
  }

  beforeAll(async () => {
    await db.connect();
    stack = await startMailStack();
    ({ api, sink } = stack);
    adminUser = await createActiveUser(api.app, { role: 'admin' });
    admin = await signInWithMfa(api.url, adminUser);
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  describe('an admin with an MFA session', () => {
    it('removes the factor, ends every session, audits and mails; the user signs in with the password and enrols again', async () => {
      const { user, sessions } = await enrolledUser();

      const answer = await reset(user.id, admin.accessToken);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: user.id, mfaEnabled: false });

      // Everything of the old enrolment is gone.
      expect(await mfaRows(user.id)).toEqual({
        totp_secret: null,
        totp_pending_secret: null,
        totp_last_used_step: null,
        mfa_enabled_at: null,
        recovery_codes: 0,
      });
      // Every session and access token ended, with and without MFA.
      for (const session of sessions) {
        expect((await call('GET', '/v1/auth/me', session.accessToken)).status).toBe(401);
        expect(
          (await call('POST', '/v1/auth/refresh', undefined, { refreshToken: session.refreshToken })).status,
        ).toBe(401);
      }

      const audit = await call(
        'GET',
        `/v1/admin/audit-logs?action=user.mfa_reset&target=user:${user.id}`,
        admin.accessToken,
      );
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          actor: `user:${adminUser.id}`,
          action: 'user.mfa_reset',
          targetType: 'user',
          targetId: user.id,
          outcome: 'success',
          changes: { before: { mfaEnabled: true }, after: { mfaEnabled: false, sessionsEnded: 3 } },
        }),
      ]);

      await sink.waitFor(
        () =>
          sink.mails.some((mail) => mail.to === user.email && mail.subject.includes('reset your two-factor')),
        15_000,
        'MFA reset mail',
      );
      const mail = sink.mails.find((m) => m.to === user.email && m.subject.includes('reset your two-factor'));
      expect(mail?.text).toContain('an administrator turned off two-factor authentication');
      expect(mail?.html).toContain('Every session of the account was signed out.');

      // The password alone signs in now, and the user can enrol a new authenticator.
      const signedIn = await call('POST', '/v1/auth/login', undefined, {
        email: user.email,
        password: user.password,
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.mfaRequired).toBeUndefined();
      await awayFromStepEnd();
      const { secret } = await enrolTotp(api.url, user, signedIn.body.accessToken as string);
      const challenge = await call('POST', '/v1/auth/login', undefined, {
        email: user.email,
        password: user.password,
      });
      expect(challenge.body.mfaRequired).toBe(true);
      const verified = await call('POST', '/v1/auth/mfa/verify', undefined, {
        mfaToken: challenge.body.mfaToken,
        code: totpCodeAt(secret, Date.now()),
      });
      expect(verified.status).toBe(200);
    });

    it('refuses a user without MFA, an unknown user and their own account', async () => {
      const plain = await createActiveUser(api.app);
      expect(await reset(plain.id, admin.accessToken)).toMatchObject({
        status: 409,
        body: { code: 'mfa_not_enabled' },
      });
      expect((await reset('6f1c1a6e-8d2a-4a8e-9a5e-2f4f0e0b7c11', admin.accessToken)).body.code).toBe(
        'user_not_found',
      );
      // An admin's own factor changes only through their own MFA routes, with password and code.
      expect(await reset(adminUser.id, admin.accessToken)).toMatchObject({
        status: 409,
        body: { code: 'cannot_change_own_account' },
      });
      expect((await mfaRows(adminUser.id)).mfa_enabled_at).not.toBeNull();
    });
  });

  describe('callers who may not reset MFA', () => {
    it.each([
      ['anonymous', undefined, 401],
      ['a viewer', 'viewer', 403],
      ['an operator', 'operator', 403],
      ['an admin without an MFA session', 'admin', 403],
    ] as const)('%s is refused and the user keeps the factor and their sessions', async (_, role, status) => {
      const { user, sessions } = await enrolledUser();
      const token = role
        ? (await signIn(api.url, await createActiveUser(api.app, { role }))).accessToken
        : undefined;

      const answer = await reset(user.id, token);
      expect(answer.status).toBe(status);
      if (role === 'admin') expect(answer.body.code).toBe('mfa_required');

      expect((await mfaRows(user.id)).mfa_enabled_at).not.toBeNull();
      for (const session of sessions)
        expect((await call('GET', '/v1/auth/me', session.accessToken)).status).toBe(200);
    });
  });
});
