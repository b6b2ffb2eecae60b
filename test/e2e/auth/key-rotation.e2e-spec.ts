// Rotating JWT_SECRET, COOKIE_SECRET and MFA_ENCRYPTION_KEY without signing anyone out, and the breach
// response that signs everyone out at once. The API "before" a rotation runs in process (its factories
// seed users and TOTP secrets under the old keys); "during" is two built API processes with the new keys
// and the old ones as previous; "after" is a built API process with the new keys only. The suite has a
// database of its own: the operator commands act on every user, and must act on nobody else's.
import { execFile } from 'node:child_process';
import { createCipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { SecretBox } from '../../../apps/api/src/auth/mfa/secret-box';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { jwtKeyId } from '../../../apps/api/src/identity/jwt-keys';
import type { ApiConfig } from '@rampart/config';
import { appEnv } from '../../support/app-env';
import { type TestUser, createActiveUser, seedTotp } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { migrateDatabase } from '../../support/migrate.mts';
import { SERVER_DATABASE_URL, databaseUrlFor, randomSuffix } from '../../support/run-settings';
import { awayFromStepEnd, forgetUsedSteps } from '../../support/totp-steps.mts';
import { AppProcess } from '../support/app-process';
import { decodeJwt, forgeJwt } from '../support/jwt';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

const K1 = 'e2e-rotation-jwt-secret-one-0123456789abcdef';
const K2 = 'e2e-rotation-jwt-secret-two-0123456789abcdef';
const C1 = 'e2e-rotation-cookie-secret-one-0123456789abc';
const C2 = 'e2e-rotation-cookie-secret-two-0123456789abc';
const MFA_A = 'e2e-rotation-mfa-key-a-0123456789abcdef-0123';
const MFA_B = 'e2e-rotation-mfa-key-b-0123456789abcdef-0123';

const BEFORE = { JWT_SECRET: K1, COOKIE_SECRET: C1, MFA_ENCRYPTION_KEY: MFA_A };
const DURING = {
  JWT_SECRET: K2,
  JWT_PREVIOUS_SECRETS: K1,
  COOKIE_SECRET: C2,
  COOKIE_PREVIOUS_SECRETS: C1,
  MFA_ENCRYPTION_KEY: MFA_B,
  MFA_PREVIOUS_ENCRYPTION_KEYS: MFA_A,
};
const AFTER = { JWT_SECRET: K2, COOKIE_SECRET: C2, MFA_ENCRYPTION_KEY: MFA_B };

interface Problem {
  status: number;
  code: string;
}

type Target = { url: string };

/** A tiny cookie jar: what Set-Cookie gave, sent back as a Cookie header. */
function jarFrom(response: Response, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const [name = '', ...value] = pair.split('=');
    jar.set(name.trim(), value.join('='));
  }
  return jar;
}

/** The MFA key id a SecretBox under `key` writes into sealed values. */
function mfaKeyId(key: string): string {
  return new SecretBox({
    mfa: { encryptionKey: key, previousEncryptionKeys: [], issuer: 'Rampart' },
  } as unknown as ApiConfig).currentKeyId;
}

/** A TOTP secret sealed as the v1 SecretBox did (before key ids), written independently of the code. */
function sealV1(encryptionKey: string, plaintext: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(encryptionKey), Buffer.alloc(0), 'rampart:mfa-secret:v1', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from('rampart:totp'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'))].join('.');
}

describe('secret rotation without signing everyone out, and the breach response', () => {
  const databaseUrl = databaseUrlFor(`rampart_e2e_keyrot_${randomSuffix()}`);
  let env: Record<string, string>;
  let before: RunningApi;
  let during: [AppProcess, AppProcess];
  let after: AppProcess;
  let db: pg.Client;

  const request = (
    target: Target,
    method: string,
    route: string,
    options: {
      token?: string;
      body?: unknown;
      jar?: Map<string, string>;
      csrf?: string;
      cookieMode?: boolean;
    } = {},
  ): Promise<Response> =>
    fetch(`${target.url}/v1/${route}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.jar
          ? { cookie: [...options.jar].map(([name, value]) => `${name}=${value}`).join('; ') }
          : {}),
        ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
        ...(options.cookieMode ? { 'x-auth-mode': 'cookie' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });

  async function problem(response: Response): Promise<Problem> {
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    return (await response.json()) as Problem;
  }

  async function signIn(
    target: Target,
    user: TestUser,
  ): Promise<{ accessToken: string; refreshToken: string }> {
    const response = await request(target, 'POST', 'auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { accessToken: string; refreshToken: string };
  }

  /** Password and TOTP code through `target`: the status of the second step. */
  async function mfaSignIn(target: Target, user: TestUser, secret: string): Promise<number> {
    await forgetUsedSteps(db, user.id);
    const challenge = await request(target, 'POST', 'auth/login', {
      body: { email: user.email, password: user.password },
    });
    const { mfaToken } = (await challenge.json()) as { mfaToken: string };
    expect(mfaToken).toEqual(expect.any(String));
    const verified = await request(target, 'POST', 'auth/mfa/verify', {
      body: { mfaToken, code: totpCodeAt(secret, Date.now()) },
    });
    return verified.status;
  }

  const me = async (target: Target, token: string): Promise<number> =>
    (await request(target, 'GET', 'auth/me', { token })).status;

  const cli = async (
    script: string,
    keys: Record<string, string>,
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [path.join(ROOT, 'dist/apps/api/src/cli', script), ...args],
        {
          env: { PATH: process.env.PATH ?? '', ...env, ...keys },
        },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(async () => {
    await migrateDatabase(ROOT, databaseUrl);
    env = appEnv({ DATABASE_URL: databaseUrl, LOGIN_MAX_FAILURES: '100' });
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    before = await startApiInProcess({ ...env, ...BEFORE });
    const [first, second, last] = await Promise.all([
      AppProcess.start('api', { ...env, ...DURING }),
      AppProcess.start('api', { ...env, ...DURING }),
      AppProcess.start('api', { ...env, ...AFTER }),
    ]);
    during = [first, second];
    after = last;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...(during ?? []), after].filter(Boolean).map((app) => app.stop()));
    await before?.close();
    await db?.end();
    const server = new pg.Client({ connectionString: SERVER_DATABASE_URL });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
    await server.end();
  });

  it('keeps tokens of the old JWT key working while it is a previous key, and refuses them once dropped', async () => {
    const user = await createActiveUser(before.app);
    const old = await signIn(before, user);
    expect(decodeJwt(old.accessToken).header.kid).toBe(jwtKeyId(K1));
    expect(await me(before, old.accessToken)).toBe(200);

    // Both restarted processes accept it, and sign new tokens with the new key, which each accepts.
    for (const api of during) expect(await me(api, old.accessToken)).toBe(200);
    const fresh = await signIn(during[0], user);
    expect(decodeJwt(fresh.accessToken).header.kid).toBe(jwtKeyId(K2));
    for (const api of during) expect(await me(api, fresh.accessToken)).toBe(200);
    // Refresh tokens are opaque and not signed: one from before the rotation refreshes after it.
    const refreshed = await request(during[1], 'POST', 'auth/refresh', {
      body: { refreshToken: old.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const { accessToken: rotated } = (await refreshed.json()) as { accessToken: string };
    expect(decodeJwt(rotated).header.kid).toBe(jwtKeyId(K2));

    // Old key dropped: its tokens are refused like any invalid token; the new key's still work.
    const refused = await request(after, 'GET', 'auth/me', { token: old.accessToken });
    expect(refused.status).toBe(401);
    expect((await problem(refused)).code).toBe('invalid_token');
    expect(await me(after, fresh.accessToken)).toBe(200);
    expect(await me(after, rotated)).toBe(200);
  });

  it('refuses every token whose header, kid and key do not belong together, with the same answer', async () => {
    const user = await createActiveUser(before.app);
    const { claims } = decodeJwt((await signIn(during[0], user)).accessToken);
    const K0 = 'e2e-rotation-never-configured-secret-012345';
    const kids: [string, unknown][] = [
      ['current', jwtKeyId(K2)],
      ['previous', jwtKeyId(K1)],
      ['never configured', jwtKeyId(K0)],
      ['absent', undefined],
      ['unknown', 'ffffffffffffffff'],
      ['empty', ''],
      ['a number', 7],
      ['null', null],
      ['an array', [jwtKeyId(K2)]],
      ['a path', '../../../../dev/null'],
      ['long', 'k'.repeat(4_096)],
    ];
    const keys: [string, string][] = [
      ['current', K2],
      ['previous', K1],
      ['never configured', K0],
      ['the current kid string', jwtKeyId(K2)],
      ['the previous kid string', jwtKeyId(K1)],
      ['empty', ''],
    ];
    const algorithms = ['HS256', 'HS512', 'none', 'RS256'] as const;
    /** The rule: HS256, signed with the key its kid names; no kid means the current key only. */
    const accepted = (alg: string, kid: unknown, key: string): boolean =>
      alg === 'HS256' &&
      ((kid === jwtKeyId(K2) && key === K2) ||
        (kid === jwtKeyId(K1) && key === K1) ||
        (kid === undefined && key === K2));

    const reference = await problem(await request(during[0], 'GET', 'auth/me', { token: 'a.b.c' }));
    const strip = ({ instance: _i, requestId: _r, ...rest }: Problem & Record<string, unknown>): object =>
      rest;
    let acceptedCount = 0;
    for (const alg of algorithms) {
      for (const [kidName, kid] of kids) {
        for (const [keyName, key] of keys) {
          const header = { alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) };
          const token = forgeJwt(
            header,
            claims,
            alg === 'none' ? null : key,
            alg === 'HS512' ? 'sha512' : 'sha256',
          );
          const label = `${alg}, kid ${kidName}, key ${keyName}`;
          const response = await request(during[1], 'GET', 'auth/me', { token });
          if (accepted(alg, kid, key)) {
            acceptedCount += 1;
            expect([label, response.status]).toEqual([label, 200]);
          } else {
            expect([label, response.status]).toEqual([label, 401]);
            expect([label, strip((await problem(response)) as Problem & Record<string, unknown>)]).toEqual([
              label,
              strip(reference as Problem & Record<string, unknown>),
            ]);
          }
        }
      }
    }
    // The control: the rule does accept the three genuine combinations, so the refusals are not vacuous.
    expect(acceptedCount).toBe(3);
  });

  it('keeps a cookie-mode session, CSRF token included, across a COOKIE_SECRET rotation', async () => {
    const user = await createActiveUser(before.app);
    const login = await request(before, 'POST', 'auth/login', {
      body: { email: user.email, password: user.password },
      cookieMode: true,
    });
    expect(login.status).toBe(200);
    const jar = jarFrom(login);
    const { csrfToken: oldCsrf } = (await login.json()) as { csrfToken: string };
    // A state change authenticated by the cookie: the CSRF check passes, then the session is not found.
    const change = (target: Target, csrf: string, cookies = jar): Promise<Response> =>
      request(target, 'DELETE', `auth/sessions/${randomUUID()}`, { jar: cookies, csrf });

    for (const api of during) {
      expect((await request(api, 'GET', 'auth/me', { jar })).status).toBe(200);
      expect((await change(api, oldCsrf)).status).toBe(404);
      expect((await change(api, 'forged-csrf-token-forged-csrf-token-forged')).status).toBe(403);
    }

    // The next refresh hands out cookies and a CSRF token under the new secret, which the "after" API takes.
    const refreshed = await request(during[0], 'POST', 'auth/refresh', {
      jar,
      csrf: oldCsrf,
      body: {},
      cookieMode: true,
    });
    expect(refreshed.status).toBe(200);
    const newJar = jarFrom(refreshed, new Map(jar));
    const { csrfToken: newCsrf } = (await refreshed.json()) as { csrfToken: string };
    expect(newCsrf).not.toBe(oldCsrf);
    expect((await request(after, 'GET', 'auth/me', { jar: newJar })).status).toBe(200);
    expect((await change(after, newCsrf, newJar)).status).toBe(404);
    const stale = await change(after, oldCsrf, newJar);
    expect(stale.status).toBe(403);
    expect((await problem(stale)).code).toBe('csrf_invalid');
  });

  it('re-seals every TOTP secret under the new MFA key while the API serves, once', async () => {
    await awayFromStepEnd();
    const users = await Promise.all([1, 2, 3].map(() => createActiveUser(before.app)));
    const secrets = new Map<string, string>();
    for (const user of users) secrets.set(user.id, (await seedTotp(before.app, user)).secret);
    // One more, as a deployment before key ids left it: a v1 value under the old key, and a pending
    // enrolment (sealed, not yet confirmed) under the old key too.
    const legacy = users[0] as TestUser;
    await db.query('UPDATE users SET totp_secret = $1 WHERE id = $2', [
      sealV1(MFA_A, secrets.get(legacy.id) ?? ''),
      legacy.id,
    ]);
    const pending = await createActiveUser(before.app);
    await db.query('UPDATE users SET totp_pending_secret = $1 WHERE id = $2', [
      sealV1(MFA_A, 'JBSWY3DPEHPK3PXP'),
      pending.id,
    ]);
    const sealed = async (): Promise<Map<string, [string | null, string | null]>> => {
      const { rows } = await db.query<{
        id: string;
        totp_secret: string | null;
        totp_pending_secret: string | null;
      }>(
        'SELECT id, totp_secret, totp_pending_secret FROM users WHERE totp_secret IS NOT NULL OR totp_pending_secret IS NOT NULL',
      );
      return new Map(rows.map((row) => [row.id, [row.totp_secret, row.totp_pending_secret]]));
    };
    const beforeReseal = await sealed();
    expect(beforeReseal.size).toBe(4);

    // During the transition the new processes open the old key's values (by key id, or v1 by trying).
    await awayFromStepEnd();
    for (const user of users) expect(await mfaSignIn(during[0], user, secrets.get(user.id) ?? '')).toBe(200);
    // With the new key only, values of the old key cannot be opened yet: a server-side fault (500), which
    // is why the old key stays in MFA_PREVIOUS_ENCRYPTION_KEYS until the command has run.
    expect(await mfaSignIn(after, users[1] as TestUser, secrets.get(users[1]?.id ?? '') ?? '')).toBe(500);

    const first = await cli('reseal-mfa-secrets.js', DURING, '--batch-size', '2');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`Re-sealed 4 TOTP secret(s) under key ${mfaKeyId(MFA_B)}.`);
    expect(first.stdout).toContain('Unreadable with every configured key: 0.');
    const afterReseal = await sealed();
    for (const [id, values] of beforeReseal) {
      const now = afterReseal.get(id);
      values.forEach((value, column) => {
        if (value === null) return expect(now?.[column]).toBeNull();
        expect(now?.[column]).not.toBe(value);
        expect(now?.[column]?.startsWith(`v2.${mfaKeyId(MFA_B)}.`)).toBe(true);
      });
    }

    // Only the new key configured: every user signs in with their unchanged authenticator.
    await awayFromStepEnd();
    for (const user of users) expect(await mfaSignIn(after, user, secrets.get(user.id) ?? '')).toBe(200);

    // Again: nothing left to do, nothing changed.
    const again = await cli('reseal-mfa-secrets.js', DURING);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Re-sealed 0 TOTP secret(s)');
    expect(await sealed()).toEqual(afterReseal);
    const { rows } = await db.query<{ actor: string; changes: { after: Record<string, unknown> } }>(
      "SELECT actor, changes FROM audit_log WHERE action = 'auth.mfa_secrets_resealed' ORDER BY seq",
    );
    expect(rows).toEqual([
      {
        actor: 'system:cli',
        changes: { after: { keyId: mfaKeyId(MFA_B), resealed: 4, changedMeanwhile: 0, unreadable: 0 } },
      },
    ]);
  });

  it('ends one compromised account at once with --user, and nobody else', async () => {
    const [victim, bystander] = await Promise.all([
      createActiveUser(before.app),
      createActiveUser(before.app),
    ]);
    const victimTokens = [await signIn(during[0], victim), await signIn(during[1], victim)];
    const bystanderTokens = await signIn(during[0], bystander);
    const result = await cli('revoke-all-sessions.js', DURING, '--user', victim.email.toUpperCase());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const api of during) {
      for (const { accessToken } of victimTokens) {
        const refused = await request(api, 'GET', 'auth/me', { token: accessToken });
        expect(refused.status).toBe(401);
        expect((await problem(refused)).code).toBe('token_revoked');
      }
      expect(await me(api, bystanderTokens.accessToken)).toBe(200);
    }
    for (const { refreshToken } of victimTokens) {
      expect((await request(during[1], 'POST', 'auth/refresh', { body: { refreshToken } })).status).toBe(401);
    }
    const { rows } = await db.query<{ actor: string; target_id: string }>(
      "SELECT actor, target_id FROM audit_log WHERE action = 'user.tokens_invalidated' ORDER BY seq",
    );
    expect(rows).toEqual([{ actor: 'system:cli', target_id: victim.id }]);
    expect((await cli('revoke-all-sessions.js', DURING, '--user', `nobody-${victim.email}`)).code).toBe(1);
    expect((await cli('revoke-all-sessions.js', DURING, '--user', 'not-an-address')).code).toBe(2);
  });

  it('ends every session, refresh token and access token of every user at once (the breach response)', async () => {
    const users = await Promise.all([1, 2, 3].map(() => createActiveUser(before.app)));
    const issued = [
      await signIn(before, users[0] as TestUser),
      await signIn(during[0], users[1] as TestUser),
      await signIn(during[1], users[2] as TestUser),
      await signIn(during[1], users[0] as TestUser),
    ];
    for (const api of during)
      for (const { accessToken } of issued) expect(await me(api, accessToken)).toBe(200);

    const result = await cli('revoke-all-sessions.js', DURING);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Ended \d+ session\(s\)/);

    // Immediately, on both processes (and the third, for the tokens of the key it has): no waiting
    // for the tokens to expire.
    for (const api of [...during, after]) {
      for (const { accessToken } of api === after ? issued.slice(1) : issued) {
        const refused = await request(api, 'GET', 'auth/me', { token: accessToken });
        expect(refused.status).toBe(401);
        expect((await problem(refused)).code).toBe('token_revoked');
      }
    }
    for (const { refreshToken } of issued) {
      const refused = await request(during[0], 'POST', 'auth/refresh', { body: { refreshToken } });
      expect(refused.status).toBe(401);
    }
    const { rows: open } = await db.query(
      'SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > now()',
    );
    expect(open).toEqual([]);
    const { rows } = await db.query<{ actor: string; target_type: string | null }>(
      "SELECT actor, target_type FROM audit_log WHERE action = 'auth.all_sessions_revoked'",
    );
    expect(rows).toEqual([{ actor: 'system:cli', target_type: null }]);

    // Signing in again works, and the new session is not caught by the revocation.
    const again = await signIn(during[0], users[0] as TestUser);
    for (const api of during) expect(await me(api, again.accessToken)).toBe(200);
  });
});
