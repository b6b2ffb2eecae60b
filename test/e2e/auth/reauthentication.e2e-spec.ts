import pg from 'pg';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { type TestUser, createActiveUser } from '../../factories';
import type { RunningApi } from '../../support/in-process-api';
import { type MailStack, startMailStack } from '../support/mail-stack';
import { runDatabaseUrl } from '../../support/run-settings';
import { type TotpEnrolment, enrolTotp, signIn, signInWithMfaEnrolment } from '../support/sign-in';
import type { SmtpSink } from '../../support/smtp-sink';
import { awayFromStepEnd, forgetUsedSteps } from '../../support/totp-steps.mts';

interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string };
  retryAfter: string | null;
}

/** Low, so that reaching the lock takes few requests; every test makes its own accounts. */
const MAX_FAILURES = 3;

/**
 * Sensitive changes to one's own account (MFA enrolment, disabling it, new recovery codes, a new
 * password) need the current password in the request, counted like a sign-in. These tests play the
 * attacker who holds a stolen access token (and at most a phished one-time code), then the owner.
 */
describe('re-authentication for sensitive account changes', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: MailStack;
  let api: RunningApi;
  let sink: SmtpSink;

  const post = async (path: string, body: unknown, token?: string): Promise<Answer> => {
    const response = await fetch(`${api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Answer['body']) : {},
      retryAfter: response.headers.get('retry-after'),
    };
  };
  const login = (user: TestUser, password = user.password): Promise<Answer> =>
    post('login', { email: user.email, password });
  const mfaState = async (
    userId: string,
  ): Promise<{ enabled: boolean; pending: boolean; recoveryCodes: number }> => {
    const { rows } = await db.query<{ enabled: boolean; pending: boolean; codes: string }>(
      `SELECT mfa_enabled_at IS NOT NULL AS enabled, totp_pending_secret IS NOT NULL AS pending,
              (SELECT count(*) FROM mfa_recovery_codes WHERE user_id = users.id) AS codes
         FROM users WHERE id = $1`,
      [userId],
    );
    const row = rows[0];
    return { enabled: !!row?.enabled, pending: !!row?.pending, recoveryCodes: Number(row?.codes ?? 0) };
  };

  /** An account and the access token an attacker stole from one of its sessions. */
  async function victim(): Promise<{ user: TestUser; stolen: string }> {
    const user = await createActiveUser(api.app);
    return { user, stolen: (await signIn(api.url, user)).accessToken };
  }

  /** An account with TOTP on, and the access token of its MFA session (what an attacker steals). */
  async function enrolledVictim(): Promise<{ user: TestUser; stolen: string; enrolment: TotpEnrolment }> {
    await awayFromStepEnd();
    const user = await createActiveUser(api.app);
    const { session, enrolment } = await signInWithMfaEnrolment(api.url, user);
    await forgetUsedSteps(db, user.id);
    return { user, stolen: session.accessToken, enrolment };
  }

  beforeAll(async () => {
    await db.connect();
    stack = await startMailStack({ api: { LOGIN_MAX_FAILURES: String(MAX_FAILURES) } });
    ({ api, sink } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  describe('an attacker holding only a stolen access token', () => {
    it('cannot plant a TOTP secret of their own: the owner still signs in with the password alone', async () => {
      const { user, stolen } = await victim();

      const setup = await post('mfa/totp/setup', {}, stolen);
      expect(setup.status).toBe(400);
      expect(setup.body.code).toBe('validation_failed');
      expect(Object.keys(setup.body.errors ?? {})).toEqual(['password']);
      const guessed = await post('mfa/totp/setup', { password: 'a-guess-at-the-password' }, stolen);
      expect(guessed.status).toBe(401);
      expect(guessed.body.code).toBe('invalid_credentials');
      expect(guessed.body.secret).toBeUndefined();
      expect((await post('mfa/totp/enable', { code: '123456' }, stolen)).status).toBe(400);

      expect(await mfaState(user.id)).toEqual({ enabled: false, pending: false, recoveryCodes: 0 });
      const owner = await login(user);
      expect(owner.status).toBe(200);
      expect(owner.body.accessToken).toEqual(expect.any(String));
      expect(owner.body.mfaRequired).toBeUndefined();
    });

    it('cannot take new recovery codes or turn MFA off, even with a phished one-time code', async () => {
      const { user, stolen, enrolment } = await enrolledVictim();
      const phished = totpCodeAt(enrolment.secret, Date.now());

      const renew = await post('mfa/recovery-codes', { code: phished }, stolen);
      expect(renew.status).toBe(400);
      expect(renew.body.recoveryCodes).toBeUndefined();
      expect((await post('mfa/totp/disable', { code: phished }, stolen)).status).toBe(400);
      expect(
        (await post('mfa/recovery-codes', { password: 'a-guess-at-the-password', code: phished }, stolen))
          .status,
      ).toBe(401);

      // Nothing changed: MFA is on and the owner's recovery codes still work.
      expect(await mfaState(user.id)).toMatchObject({ enabled: true, recoveryCodes: 10 });
      const challenge = await login(user);
      expect(challenge.body.mfaRequired).toBe(true);
      const recovered = await post('mfa/verify', {
        mfaToken: challenge.body.mfaToken,
        recoveryCode: enrolment.recoveryCodes[0],
      });
      expect(recovered.status).toBe(200);
    });
  });

  describe('an attacker guessing the current password through a sensitive route', () => {
    interface Route {
      enrolled: boolean;
      body: (password: string, enrolment?: TotpEnrolment) => Record<string, string>;
    }
    const anyCode = '123456';
    const routes: [string, Route][] = [
      ['mfa/totp/setup', { enrolled: false, body: (password) => ({ password }) }],
      ['mfa/totp/enable', { enrolled: false, body: (password) => ({ password, code: anyCode }) }],
      [
        'mfa/totp/disable',
        {
          enrolled: true,
          body: (password, enrolment) => ({
            password,
            code: totpCodeAt(enrolment?.secret ?? '', Date.now()),
          }),
        },
      ],
      [
        'mfa/recovery-codes',
        {
          enrolled: true,
          body: (password, enrolment) => ({
            password,
            code: totpCodeAt(enrolment?.secret ?? '', Date.now()),
          }),
        },
      ],
      [
        'password/change',
        {
          enrolled: false,
          body: (currentPassword) => ({ currentPassword, newPassword: 'an-attackers-new-passphrase-42' }),
        },
      ],
    ];

    it.each(routes)(
      'POST /v1/auth/%s counts each wrong password like a failed sign-in and locks the address at the limit',
      async (path, route) => {
        const { user, stolen, enrolment } = route.enrolled
          ? await enrolledVictim()
          : { ...(await victim()), enrolment: undefined };

        for (let i = 0; i < MAX_FAILURES; i += 1) {
          const wrong = await post(path, route.body(`wrong-guess-number-${i}`, enrolment), stolen);
          expect(wrong.status).toBe(401);
          expect(wrong.body.code).toBe('invalid_credentials');
        }
        // Locked: even the right password is refused now, here and at sign-in, with a true Retry-After.
        const right = await post(path, route.body(user.password, enrolment), stolen);
        expect(right.status).toBe(429);
        expect(right.body.code).toBe('account_locked');
        expect(Number(right.retryAfter)).toBeGreaterThan(14 * 60);
        expect(Number(right.retryAfter)).toBeLessThanOrEqual(15 * 60);
        const signIn = await login(user);
        expect(signIn.status).toBe(429);
        expect(Number(signIn.retryAfter)).toBeGreaterThan(0);

        await sink.waitFor(
          () => sink.mails.some((mail) => mail.to === user.email && mail.subject.includes('locked')),
          15_000,
          'lockout notice',
        );
        expect(await mfaState(user.id)).toMatchObject({ enabled: route.enrolled, pending: false });
      },
    );

    it('counts wrong codes on disable and recovery-codes too, so a known password buys no free guesses at the code', async () => {
      const { user, stolen, enrolment } = await enrolledVictim();
      const wrongCode = (offset: number): string =>
        String((Number(totpCodeAt(enrolment.secret, Date.now())) + 500_000 + offset) % 1_000_000).padStart(
          6,
          '0',
        );

      for (let i = 0; i < MAX_FAILURES; i += 1) {
        const path = i % 2 ? 'mfa/recovery-codes' : 'mfa/totp/disable';
        const wrong = await post(path, { password: user.password, code: wrongCode(i) }, stolen);
        expect(wrong.status).toBe(400);
        expect(wrong.body.code).toBe('invalid_mfa_code');
      }
      const right = await post(
        'mfa/totp/disable',
        { password: user.password, code: totpCodeAt(enrolment.secret, Date.now()) },
        stolen,
      );
      expect(right.status).toBe(429);
      expect(right.body.code).toBe('account_locked');
      expect(Number(right.retryAfter)).toBeGreaterThan(0);
      expect(await mfaState(user.id)).toMatchObject({ enabled: true, recoveryCodes: 10 });
    });
  });

  describe('the owner', () => {
    it('never moves towards a lock by typing the right password, even one failure away from it', async () => {
      await awayFromStepEnd();
      const user = await createActiveUser(api.app);
      const { accessToken } = await signIn(api.url, user);
      // One failure short of the lock: any right password that stayed counted would now lock.
      for (let i = 0; i < MAX_FAILURES - 1; i += 1)
        expect((await login(user, 'not-the-password')).status).toBe(401);

      const { secret } = await enrolTotp(api.url, user, accessToken);
      const renewed = await post(
        'mfa/recovery-codes',
        { password: user.password, code: totpCodeAt(secret, Date.now()) },
        accessToken,
      );
      expect(renewed.status).toBe(200);
      const off = await post(
        'mfa/totp/disable',
        { password: user.password, code: totpCodeAt(secret, Date.now() + 30_000) },
        accessToken,
      );
      expect(off.status).toBe(204);
      const newPassword = 'the-owners-fresh-passphrase-7';
      const changed = await post(
        'password/change',
        { currentPassword: user.password, newPassword },
        accessToken,
      );
      expect(changed.status).toBe(204);

      // Still one failure short of the lock: the owner signs in (a right password left counted would be refused).
      const signedIn = await login(user, newPassword);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.accessToken).toEqual(expect.any(String));
    });
  });
});
