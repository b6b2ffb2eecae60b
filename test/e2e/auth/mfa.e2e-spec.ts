import pg from 'pg';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { type TestUser, createActiveUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { decodeJwt } from '../support/jwt';
import { runDatabaseUrl } from '../../support/run-settings';
import { type MailStack, startMailStack } from '../support/mail-stack';
import type { SmtpSink } from '../../support/smtp-sink';
import { awayFromStepEnd, forgetUsedSteps } from '../../support/totp-steps.mts';

interface Json {
  [key: string]: unknown;
}

describe('TOTP multi-factor authentication', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: MailStack;
  let api: RunningApi;
  let sink: SmtpSink;

  const post = async (
    path: string,
    body: unknown,
    token?: string,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };

  async function enrolled(): Promise<{ user: TestUser; secret: string; recoveryCodes: string[] }> {
    await awayFromStepEnd();
    const user = await createActiveUser(api.app);
    const session = await post('login', { email: user.email, password: user.password });
    const token = session.body.accessToken as string;
    const setup = await post('mfa/totp/setup', { password: user.password }, token);
    expect(setup.status).toBe(200);
    const secret = setup.body.secret as string;
    const enabled = await post(
      'mfa/totp/enable',
      { password: user.password, code: totpCodeAt(secret, Date.now()) },
      token,
    );
    expect(enabled.status).toBe(200);
    await forgetUsedSteps(db, user.id);
    return { user, secret, recoveryCodes: enabled.body.recoveryCodes as string[] };
  }

  async function challenge(user: TestUser): Promise<string> {
    const response = await post('login', { email: user.email, password: user.password });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ mfaRequired: true, expiresIn: 300 });
    expect(response.body.accessToken).toBeUndefined();
    return response.body.mfaToken as string;
  }

  beforeAll(async () => {
    await db.connect();
    // A high limit here: the lockout's interplay with wrong codes has a test of its own, below.
    stack = await startMailStack({ api: { MFA_ISSUER: 'Rampart Test', LOGIN_MAX_FAILURES: '20' } });
    ({ api, sink } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  it('enrols with a sealed secret, an otpauth URI and a QR code, returns 10 recovery codes, and mails the owner', async () => {
    await awayFromStepEnd();
    const user = await createActiveUser(api.app);
    const token = (await post('login', { email: user.email, password: user.password })).body
      .accessToken as string;
    const setup = await post('mfa/totp/setup', { password: user.password }, token);
    const secret = setup.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toContain(
      `otpauth://totp/Rampart%20Test:${encodeURIComponent(user.email)}?secret=${secret}`,
    );
    expect(setup.body.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    const stored = await db.query<{ totp_pending_secret: string }>(
      'SELECT totp_pending_secret FROM users WHERE id = $1',
      [user.id],
    );
    expect(stored.rows[0]?.totp_pending_secret).toMatch(/^v2\.[0-9a-f]{16}\./);
    expect(stored.rows[0]?.totp_pending_secret).not.toContain(secret);

    expect((await post('mfa/totp/enable', { password: user.password, code: '000000' }, token)).status).toBe(
      400,
    );
    const enabled = await post(
      'mfa/totp/enable',
      { password: user.password, code: totpCodeAt(secret, Date.now()) },
      token,
    );
    expect(enabled.status).toBe(200);
    const codes = enabled.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    await sink.waitFor(
      () => sink.mails.some((mail) => mail.to === user.email && /two-factor|mfa/i.test(mail.subject)),
      15_000,
      'MFA mail',
    );
  });

  it('asks for the second factor after the password, and the session it opens says amr pwd+mfa', async () => {
    const { user, secret } = await enrolled();
    const mfaToken = await challenge(user);
    const verified = await post('mfa/verify', { mfaToken, code: totpCodeAt(secret, Date.now()) });
    expect(verified.status).toBe(200);
    expect(decodeJwt(verified.body.accessToken as string).claims.amr).toEqual(['pwd', 'mfa']);
    // The challenge was single use.
    expect(
      (await post('mfa/verify', { mfaToken, code: totpCodeAt(secret, Date.now() + 30_000) })).body.code,
    ).toBe('invalid_mfa_token');
  });

  it('accepts a code once only: the same code, or one of an earlier step, is refused afterwards', async () => {
    const { user, secret } = await enrolled();
    const code = totpCodeAt(secret, Date.now());
    expect((await post('mfa/verify', { mfaToken: await challenge(user), code })).status).toBe(200);
    const replay = await post('mfa/verify', { mfaToken: await challenge(user), code });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_mfa_code');
    const older = await post('mfa/verify', {
      mfaToken: await challenge(user),
      code: totpCodeAt(secret, Date.now() - 30_000),
    });
    expect(older.status).toBe(401);
  });

  it('lets only one of two parallel sign-ins with the same code through', async () => {
    const { user, secret } = await enrolled();
    const code = totpCodeAt(secret, Date.now());
    const [a, b] = [await challenge(user), await challenge(user)];
    const statuses = (
      await Promise.all([
        post('mfa/verify', { mfaToken: a, code }),
        post('mfa/verify', { mfaToken: b, code }),
      ])
    ).map((result) => result.status);
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it('accepts each recovery code once', async () => {
    const { user, recoveryCodes } = await enrolled();
    const [first] = recoveryCodes;
    const ok = await post('mfa/verify', {
      mfaToken: await challenge(user),
      recoveryCode: first?.toLowerCase(),
    });
    expect(ok.status).toBe(200);
    const again = await post('mfa/verify', { mfaToken: await challenge(user), recoveryCode: first });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_mfa_code');
  });

  it('ends a challenge after five wrong codes', async () => {
    const { user, secret } = await enrolled();
    const mfaToken = await challenge(user);
    for (let i = 0; i < 5; i += 1)
      expect((await post('mfa/verify', { mfaToken, code: '000000' })).body.code).toBe('invalid_mfa_code');
    const right = await post('mfa/verify', { mfaToken, code: totpCodeAt(secret, Date.now()) });
    expect(right.status).toBe(401);
    expect(right.body.code).toBe('invalid_mfa_token');
  });

  it('counts wrong codes towards the sign-in lockout, so a known password buys no free guesses', async () => {
    const { user, secret } = await enrolled();
    const strict = await startApiInProcess({
      REDIS_KEY_PREFIX: stack.env.REDIS_KEY_PREFIX,
      LOGIN_MAX_FAILURES: '3',
    });
    try {
      const start = await fetch(`${strict.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      const { mfaToken } = (await start.json()) as { mfaToken: string };
      const verify = (code: string): Promise<number> =>
        fetch(`${strict.url}/v1/auth/mfa/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mfaToken, code }),
        }).then((response) => response.status);
      // The right password was taken back; three wrong codes reach the limit of 3 and lock.
      expect(await verify('000000')).toBe(401);
      expect(await verify('000001')).toBe(401);
      expect(await verify('000002')).toBe(401);
      expect(await verify(totpCodeAt(secret, Date.now()))).toBe(429);
      const again = await fetch(`${strict.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      expect(again.status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it('renews recovery codes and turns MFA off with the password and a fresh code', async () => {
    const { user, secret, recoveryCodes } = await enrolled();
    const session = await post('mfa/verify', {
      mfaToken: await challenge(user),
      code: totpCodeAt(secret, Date.now() - 30_000),
    });
    const token = session.body.accessToken as string;

    const renewed = await post(
      'mfa/recovery-codes',
      { password: user.password, code: totpCodeAt(secret, Date.now()) },
      token,
    );
    expect(renewed.status).toBe(200);
    expect(renewed.body.recoveryCodes).not.toEqual(recoveryCodes);
    // The old codes are gone.
    expect(
      (await post('mfa/verify', { mfaToken: await challenge(user), recoveryCode: recoveryCodes[1] })).status,
    ).toBe(401);

    expect(
      (
        await post(
          'mfa/totp/disable',
          { password: 'not-the-password', code: totpCodeAt(secret, Date.now() + 30_000) },
          token,
        )
      ).status,
    ).toBe(401);
    const off = await post(
      'mfa/totp/disable',
      { password: user.password, code: totpCodeAt(secret, Date.now() + 30_000) },
      token,
    );
    expect(off.status).toBe(204);
    const login = await post('login', { email: user.email, password: user.password });
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toBeDefined();
  });

  it('GET /me, answered from the cached account, shows MFA on and off from the very next request', async () => {
    await awayFromStepEnd();
    const user = await createActiveUser(api.app);
    const token = (await post('login', { email: user.email, password: user.password })).body
      .accessToken as string;
    const me = async (): Promise<Json> => {
      const response = await fetch(`${api.url}/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Json;
    };
    // Twice: the second is served from the cache the first filled.
    expect(await me()).toMatchObject({ id: user.id, email: user.email, mfaEnabled: false });
    expect(await me()).toMatchObject({ mfaEnabled: false, emailVerified: true, role: 'viewer' });

    const secret = (await post('mfa/totp/setup', { password: user.password }, token)).body.secret as string;
    const enabled = await post(
      'mfa/totp/enable',
      { password: user.password, code: totpCodeAt(secret, Date.now()) },
      token,
    );
    expect(enabled.status).toBe(200);
    expect(await me()).toMatchObject({ mfaEnabled: true });

    const off = await post(
      'mfa/totp/disable',
      { password: user.password, code: totpCodeAt(secret, Date.now() + 30_000) },
      token,
    );
    expect(off.status).toBe(204);
    expect(await me()).toMatchObject({ mfaEnabled: false });
  });
});
