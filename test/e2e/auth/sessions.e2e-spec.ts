import argon2 from 'argon2';
import { Redis } from 'ioredis';
import pg from 'pg';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { DEFAULT_PASSWORD, createActiveUser, createPendingUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { decodeJwt, forgeJwt } from '../support/jwt';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { TcpProxy } from '../support/tcp-proxy';

const JWT_SECRET = 'e2e-jwt-secret-that-is-long-enough-0123456789';

interface TokenPair {
  tokenType: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

interface Problem {
  status: number;
  code: string;
}

describe('sessions: login, refresh rotation, logout and token verification', () => {
  // The lockout has a suite of its own; here it would interrupt the timing test's wrong passwords.
  const env = appEnv({ JWT_SECRET, LOGIN_MAX_FAILURES: '100' });
  let api: RunningApi;

  const call = (
    target: RunningApi | AppProcess,
    method: string,
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<Response> =>
    fetch(`${target.url}/v1/auth/${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });

  async function login(
    email: string,
    password = DEFAULT_PASSWORD,
    target: RunningApi | AppProcess = api,
  ): Promise<TokenPair> {
    const response = await call(target, 'POST', 'login', { body: { email, password } });
    expect(response.status).toBe(200);
    return (await response.json()) as TokenPair;
  }

  async function problem(response: Response): Promise<Problem> {
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    return (await response.json()) as Problem;
  }

  beforeAll(async () => {
    api = await startApiInProcess({
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
      JWT_SECRET,
      LOGIN_MAX_FAILURES: '100',
    });
  });
  afterAll(() => api.close());

  it('logs in with pinned, complete claims, and /me answers with the account', async () => {
    const user = await createActiveUser(api.app);
    const pair = await login(user.email);
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const { header, claims } = decodeJwt(pair.accessToken);
    // kid: the signing key's id (derived from JWT_SECRET), so a rotated key can still verify it.
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: header.kid });
    expect(header.kid).toMatch(/^[0-9a-f]{16}$/);
    expect(claims).toMatchObject({
      iss: 'rampart',
      aud: 'rampart-api',
      sub: user.id,
      role: 'viewer',
      amr: ['pwd'],
      ver: 0,
    });
    expect(claims.exp).toBe((claims.iat as number) + 900);
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.sid).toBe('string');

    const me = await call(api, 'GET', 'me', { token: pair.accessToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      id: user.id,
      email: user.email,
      role: 'viewer',
      status: 'active',
      emailVerified: true,
    });
    const session = await call(api, 'GET', 'session', { token: pair.accessToken });
    expect(await session.json()).toMatchObject({
      authenticated: true,
      userId: user.id,
      sessionId: claims.sid,
      amr: ['pwd'],
    });
    expect(await (await call(api, 'GET', 'session')).json()).toEqual({ authenticated: false });
  });

  it('answers an unknown address and a wrong password alike', async () => {
    const user = await createActiveUser(api.app);
    const wrong = await call(api, 'POST', 'login', {
      body: { email: user.email, password: 'not-the-password-at-all' },
    });
    const unknown = await call(api, 'POST', 'login', {
      body: { email: `nobody-${user.email}`, password: 'not-the-password-at-all' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = ({
      instance: _i,
      requestId: _r,
      ...rest
    }: Record<string, unknown>): Record<string, unknown> => rest;
    expect(strip((await wrong.json()) as Record<string, unknown>)).toEqual(
      strip((await unknown.json()) as Record<string, unknown>),
    );
  });

  it('takes as long for an unknown address as for a wrong password (median within 20%)', async () => {
    const user = await createActiveUser(api.app);
    const time = async (email: string): Promise<number> => {
      const start = process.hrtime.bigint();
      await call(api, 'POST', 'login', { body: { email, password: 'not-the-password-at-all' } });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await time(user.email);
    await time(`ghost-${user.email}`);
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, alternating which goes first, so drift in machine load hits both sides alike.
    for (let i = 0; i < 25; i += 1) {
      if (i % 2) {
        known.push(await time(user.email));
        unknown.push(await time(`ghost-${i}-${user.email}`));
      } else {
        unknown.push(await time(`ghost-${i}-${user.email}`));
        known.push(await time(user.email));
      }
    }
    const median = (values: number[]): number =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const ratio = median(unknown) / median(known);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
  });

  it('rehashes a password stored with older argon2 parameters at the next sign-in', async () => {
    const user = await createActiveUser(api.app);
    const db = new pg.Client({ connectionString: runDatabaseUrl() });
    await db.connect();
    try {
      const weaker = await argon2.hash(user.password, {
        type: argon2.argon2id,
        memoryCost: 8_192,
        timeCost: 3,
        parallelism: 1,
      });
      await db.query('UPDATE users SET password_hash = $1 WHERE id = $2', [weaker, user.id]);
      await login(user.email);
      const row = await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
        user.id,
      ]);
      expect(row.rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      await login(user.email);
    } finally {
      await db.end();
    }
  });

  it('tells an unverified account to verify, but only after the right password', async () => {
    const { email } = await createPendingUser(api.app);
    expect(
      (await problem(await call(api, 'POST', 'login', { body: { email, password: 'wrong-password-123' } })))
        .code,
    ).toBe('invalid_credentials');
    const right = await call(api, 'POST', 'login', { body: { email, password: DEFAULT_PASSWORD } });
    expect(right.status).toBe(403);
    expect((await problem(right)).code).toBe('email_not_verified');
  });

  it('rotates refresh tokens, and a replayed one revokes the whole session', async () => {
    const user = await createActiveUser(api.app);
    const first = await login(user.email);
    const refreshed = await call(api, 'POST', 'refresh', { body: { refreshToken: first.refreshToken } });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as TokenPair;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).claims.sid).toBe(decodeJwt(first.accessToken).claims.sid);
    expect((await call(api, 'GET', 'me', { token: second.accessToken })).status).toBe(200);

    const replay = await call(api, 'POST', 'refresh', { body: { refreshToken: first.refreshToken } });
    expect(replay.status).toBe(401);
    expect((await problem(replay)).code).toBe('refresh_token_reused');
    // The family is gone: the legitimate holder's newer tokens stop working too.
    expect(
      (await problem(await call(api, 'POST', 'refresh', { body: { refreshToken: second.refreshToken } })))
        .code,
    ).toBe('invalid_refresh_token');
    expect((await problem(await call(api, 'GET', 'me', { token: second.accessToken }))).code).toBe(
      'token_revoked',
    );
  });

  it('treats ten concurrent refreshes with one token as reuse: at most one rotates, and nothing from the race works', async () => {
    const user = await createActiveUser(api.app);
    const pair = await login(user.email);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(api, 'POST', 'refresh', { body: { refreshToken: pair.refreshToken } }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(9);
    // The spent token came back, so the session ended: whichever request rotated, its tokens are dead.
    const rotated = responses.find((response) => response.status === 200);
    const tokens = rotated ? ((await rotated.json()) as TokenPair) : pair;
    expect((await call(api, 'GET', 'me', { token: tokens.accessToken })).status).toBe(401);
    expect((await call(api, 'POST', 'refresh', { body: { refreshToken: tokens.refreshToken } })).status).toBe(
      401,
    );
  });

  it('logout ends this session: its access token and refresh token stop working at once', async () => {
    const user = await createActiveUser(api.app);
    const pair = await login(user.email);
    const other = await login(user.email);
    expect((await call(api, 'POST', 'logout', { token: pair.accessToken })).status).toBe(204);
    expect((await problem(await call(api, 'GET', 'me', { token: pair.accessToken }))).code).toBe(
      'token_revoked',
    );
    expect((await call(api, 'POST', 'refresh', { body: { refreshToken: pair.refreshToken } })).status).toBe(
      401,
    );
    expect(await (await call(api, 'GET', 'session', { token: pair.accessToken })).json()).toEqual({
      authenticated: false,
    });
    // Another device of the same user is untouched.
    expect((await call(api, 'GET', 'me', { token: other.accessToken })).status).toBe(200);
  });

  it('logout-all ends every session and every access token of the user, on every API process', async () => {
    const user = await createActiveUser(api.app);
    const second = await AppProcess.start('api', { ...env });
    try {
      const a = await login(user.email);
      const b = await login(user.email, DEFAULT_PASSWORD, second);
      expect((await call(second, 'GET', 'me', { token: a.accessToken })).status).toBe(200);
      expect((await call(api, 'POST', 'logout-all', { token: b.accessToken })).status).toBe(204);
      for (const target of [api, second]) {
        for (const pair of [a, b]) {
          expect((await problem(await call(target, 'GET', 'me', { token: pair.accessToken }))).code).toBe(
            'token_revoked',
          );
        }
      }
      expect((await call(second, 'POST', 'refresh', { body: { refreshToken: a.refreshToken } })).status).toBe(
        401,
      );
      // Signing in again works, with the new token version.
      const fresh = await login(user.email, DEFAULT_PASSWORD, second);
      expect(decodeJwt(fresh.accessToken).claims.ver).toBe(1);
      expect((await call(api, 'GET', 'me', { token: fresh.accessToken })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('refuses forged, tampered, expired and misaddressed access tokens', async () => {
    const user = await createActiveUser(api.app);
    const pair = await login(user.email);
    const { claims } = decodeJwt(pair.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const forged: [string, string, string][] = [
      ['alg none', forgeJwt({ alg: 'none', typ: 'JWT' }, claims, null), 'invalid_token'],
      [
        'HS512 with the right key',
        forgeJwt({ alg: 'HS512', typ: 'JWT' }, claims, JWT_SECRET, 'sha512'),
        'invalid_token',
      ],
      [
        'wrong key',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-that-is-also-long-enough'),
        'invalid_token',
      ],
      [
        'wrong audience',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'another-api' }, JWT_SECRET),
        'invalid_token',
      ],
      [
        'wrong issuer',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'evil' }, JWT_SECRET),
        'invalid_token',
      ],
      [
        'expired beyond the 30 s skew',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 1000, exp: now - 31 }, JWT_SECRET),
        'token_expired',
      ],
      [
        'issued in the future beyond the skew',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now + 120, exp: now + 900 }, JWT_SECRET),
        'invalid_token',
      ],
      [
        'a lifetime longer than the API issues',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 86_400 * 365 }, JWT_SECRET),
        'invalid_token',
      ],
      [
        'issued longer ago than the lifetime, with a far expiry',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7_200, exp: now + 600 }, JWT_SECRET),
        'token_expired',
      ],
      [
        'no iat',
        forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: undefined }, JWT_SECRET),
        'invalid_token',
      ],
      [
        'tampered payload (role admin)',
        `${pair.accessToken.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${pair.accessToken.split('.')[2]}`,
        'invalid_token',
      ],
      ['garbage', 'not.a.jwt', 'invalid_token'],
    ];
    for (const [name, token, code] of forged) {
      const response = await call(api, 'GET', 'me', { token });
      expect({ name, status: response.status, code: (await problem(response)).code }).toEqual({
        name,
        status: 401,
        code,
      });
    }
    // Within the skew, a just-expired token still works: clocks of issuer and verifier may differ a little.
    const skewed = forgeJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 5 }, JWT_SECRET);
    expect((await call(api, 'GET', 'me', { token: skewed })).status).toBe(200);
    expect((await problem(await call(api, 'GET', 'me'))).code).toBe('unauthenticated');
  });

  it('ends a session after inactivity: 15 minutes for admins, longer for others, slid by every request', async () => {
    const redis = new Redis(REDIS_URL);
    const db = new pg.Client({ connectionString: runDatabaseUrl() });
    await db.connect();
    try {
      // The session's Redis entry holds its inactivity deadline (ms since the epoch).
      const activeKey = (token: string): string =>
        `${env.REDIS_KEY_PREFIX}:auth:active:${String(decodeJwt(token).claims.sid)}`;
      const idleLeft = async (token: string): Promise<number> =>
        Number(await redis.get(activeKey(token))) - Date.now();
      const setIdleLeft = async (token: string, ms: number): Promise<void> => {
        expect(await redis.set(activeKey(token), Date.now() + ms, 'KEEPTTL', 'XX')).toBe('OK');
      };
      const viewer = await createActiveUser(api.app);
      const admin = await createActiveUser(api.app);
      await db.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.id]);

      const viewerPair = await login(viewer.email);
      const adminPair = await login(admin.email);
      expect(await idleLeft(viewerPair.accessToken)).toBeGreaterThan(7 * 24 * 3_600_000 - 60_000);
      const adminIdle = await idleLeft(adminPair.accessToken);
      expect(adminIdle).toBeGreaterThan(14 * 60_000);
      expect(adminIdle).toBeLessThanOrEqual(15 * 60_000);

      // A request slides the window back to the full 15 minutes.
      await setIdleLeft(adminPair.accessToken, 60_000);
      expect((await call(api, 'GET', 'me', { token: adminPair.accessToken })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await idleLeft(adminPair.accessToken)).toBeGreaterThan(14 * 60_000);
      // Within the slack of a full window (at most a minute), requests do not write it again.
      const slid = await redis.get(activeKey(adminPair.accessToken));
      expect((await call(api, 'GET', 'me', { token: adminPair.accessToken })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await redis.get(activeKey(adminPair.accessToken))).toBe(slid);
      // Rebuilt after a Redis loss, an admin's session still gets the admin's window, not a longer one.
      await redis.del(activeKey(adminPair.accessToken));
      expect((await call(api, 'GET', 'me', { token: adminPair.accessToken })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await idleLeft(adminPair.accessToken)).toBeLessThanOrEqual(15 * 60_000);

      // The window runs out (simulated): the next request, and any refresh, find the session over.
      await setIdleLeft(adminPair.accessToken, -1);
      const idle = await call(api, 'GET', 'me', { token: adminPair.accessToken });
      expect(idle.status).toBe(401);
      expect((await problem(idle)).code).toBe('session_expired');
      expect(
        (await call(api, 'POST', 'refresh', { body: { refreshToken: adminPair.refreshToken } })).status,
      ).toBe(401);
      const row = await db.query<{ revoked_reason: string }>(
        'SELECT revoked_reason FROM sessions WHERE id = $1',
        [decodeJwt(adminPair.accessToken).claims.sid],
      );
      expect(row.rows[0]?.revoked_reason).toBe('idle_timeout');

      // Refresh checks the window too.
      await setIdleLeft(viewerPair.accessToken, -1);
      const refresh = await call(api, 'POST', 'refresh', { body: { refreshToken: viewerPair.refreshToken } });
      expect(refresh.status).toBe(401);
      expect((await problem(refresh)).code).toBe('session_expired');
    } finally {
      redis.disconnect();
      await db.end();
    }
  });

  it('keeps a live session live and an ended one refused whatever part of their Redis state is lost', async () => {
    // A flush midway, an eviction: Redis can lose any subset of the keys behind a token, one at a
    // time. No such loss may end a live session (as if it were idle) or revive an ended one.
    const redis = new Redis(REDIS_URL);
    const authKeysOf = async (token: string): Promise<string[]> => {
      const { claims } = decodeJwt(token);
      const ids = [claims.sid, claims.sub, claims.jti].map(String);
      const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}:auth:*`);
      return keys.filter((key) => ids.some((id) => key.endsWith(`:${id}`))).sort();
    };
    const subsets = <T>(items: T[]): T[][] =>
      items.reduce<T[][]>((all, item) => [...all, ...all.map((some) => [...some, item])], [[]]).slice(1);
    try {
      const live = await login((await createActiveUser(api.app)).email);
      expect((await call(api, 'GET', 'me', { token: live.accessToken })).status).toBe(200);
      const liveKeys = await authKeysOf(live.accessToken);
      expect(liveKeys.length).toBeGreaterThanOrEqual(2);
      const ended = await login((await createActiveUser(api.app)).email);
      expect((await call(api, 'POST', 'logout', { token: ended.accessToken })).status).toBe(204);
      const endedKeys = await authKeysOf(ended.accessToken);
      expect(endedKeys.length).toBeGreaterThanOrEqual(2);

      // Each loss starts from the full state: the keys are put back as they were (value and TTL).
      const loseEach = async (keys: string[], token: string, name: string): Promise<string[]> => {
        const saved = await Promise.all(
          keys.map(async (key) => ({ key, dump: await redis.dumpBuffer(key), ttl: await redis.pttl(key) })),
        );
        const seen: string[] = [];
        for (const lost of subsets(keys)) {
          await redis.del(...lost);
          const answer = await call(api, 'GET', 'me', { token });
          const code = answer.status === 401 ? (await problem(answer)).code : '';
          seen.push(`${name}, lost ${lost.join(' ')}: ${answer.status} ${code}`.trim());
          for (const { key, dump, ttl } of saved) {
            if (dump) await redis.restore(key, Math.max(ttl, 0), dump, 'REPLACE');
          }
        }
        return seen;
      };
      const outcomes = [
        ...(await loseEach(liveKeys, live.accessToken, 'live')),
        ...(await loseEach(endedKeys, ended.accessToken, 'ended')),
      ];
      expect(outcomes).toEqual([
        ...subsets(liveKeys).map((lost) => `live, lost ${lost.join(' ')}: 200`),
        ...subsets(endedKeys).map((lost) => `ended, lost ${lost.join(' ')}: 401 token_revoked`),
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it('fails closed with 503 when Redis cannot be reached, and recovers', async () => {
    const proxy = TcpProxy.forUrl(REDIS_URL);
    await proxy.start();
    const isolated = await startApiInProcess({
      REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX,
      JWT_SECRET,
      REDIS_URL: proxy.rewrite(REDIS_URL),
    });
    try {
      const user = await createActiveUser(isolated.app);
      const pair = await login(user.email, DEFAULT_PASSWORD, isolated);
      expect((await call(isolated, 'GET', 'me', { token: pair.accessToken })).status).toBe(200);
      await proxy.cut();
      const down = await call(isolated, 'GET', 'me', { token: pair.accessToken });
      expect(down.status).toBe(503);
      expect((await problem(down)).code).toBe('auth_unavailable');
      await proxy.restore();
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await call(isolated, 'GET', 'me', { token: pair.accessToken })).status;
      }
      expect(status).toBe(200);
    } finally {
      await isolated.close();
      await proxy.stop();
    }
  });
});
