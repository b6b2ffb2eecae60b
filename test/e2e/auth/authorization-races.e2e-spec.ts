import { Redis } from 'ioredis';
import pg from 'pg';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { callApi } from '../support/api-call';
import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { type TestUser, createActiveUser, seedTotp } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { type SignedIn, signInWithMfa } from '../support/sign-in';
import { TcpProxy } from '../support/tcp-proxy';
import { eventually } from '../../support/eventually';

const JWT_SECRET = 'e2e-jwt-secret-for-authorization-races-0123456789';

/**
 * Once an admin's change is acknowledged, no request on any process is authorised with the old role
 * or status, and no ended session comes back. Each test holds one API process (A, spawned, its
 * PostgreSQL or Redis behind a slowed proxy) between reading the account and writing what it read,
 * makes the change on the other process (B, in-process) in that gap, then checks both processes.
 * The gap is found by watching the database, not by sleeping: A's next step is held by the proxy.
 */
describe('authorization never outlives an admin decision (two API processes)', () => {
  const env = appEnv({ JWT_SECRET, LOGIN_MAX_FAILURES: '100' });
  let b: RunningApi;
  let a: AppProcess;
  let db: pg.Client;
  const redis = new Redis(REDIS_URL);
  const dbProxy = TcpProxy.forUrl(runDatabaseUrl());
  const redisProxy = TcpProxy.forUrl(REDIS_URL);
  let admin: SignedIn;

  const throttleStamp = async (email: string): Promise<number> => {
    const { rows } = await db.query<{ updated_at: Date }>(
      'SELECT updated_at FROM login_throttles WHERE email = $1',
      [email],
    );
    return rows[0]?.updated_at.getTime() ?? 0;
  };

  /** Resolves once A has charged the sign-in attempt, which it does right after reading the account. */
  const chargedAfter = async (email: string, before: number): Promise<void> => {
    const stamp = await eventually(
      () => throttleStamp(email),
      (value) => value > before,
      5_000,
      5,
    );
    expect(stamp).toBeGreaterThan(before);
  };

  beforeAll(async () => {
    await dbProxy.start();
    await redisProxy.start();
    b = await startApiInProcess({ ...env });
    a = await AppProcess.start('api', {
      ...env,
      DATABASE_URL: dbProxy.rewrite(runDatabaseUrl()),
      REDIS_URL: redisProxy.rewrite(REDIS_URL),
    });
    db = new pg.Client({ connectionString: runDatabaseUrl() });
    await db.connect();
    const adminUser = await createActiveUser(b.app, { role: 'admin' });
    admin = await signInWithMfa(b.url, adminUser);
  });

  afterEach(() => {
    dbProxy.requestLatencyMs = 0;
    dbProxy.latencyMs = 0;
    redisProxy.requestLatencyMs = 0;
  });

  afterAll(async () => {
    await a.stop();
    await b.close();
    await db.end();
    redis.disconnect();
    await dbProxy.stop();
    await redisProxy.stop();
  });

  const expectRefusedEverywhere = async (token: string, path = '/v1/auth/me'): Promise<void> => {
    for (const base of [a.url, b.url]) {
      const answer = await callApi(base, 'GET', path, { token });
      expect({ base, status: answer.status }).toEqual({ base, status: 401 });
    }
  };

  it('a disable acknowledged while a sign-in is between reading the account and opening its session', async () => {
    const user = await createActiveUser(b.app);
    const before = await throttleStamp(user.email);
    // Every query A sends from now on arrives 250 ms late: the sign-in reads the account, charges
    // the attempt, then needs several more round trips before it opens the session.
    dbProxy.requestLatencyMs = 250;
    const signingIn = callApi(a.url, 'POST', '/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    await chargedAfter(user.email, before);
    const disabled = await callApi(b.url, 'POST', `/v1/admin/users/${user.id}/disable`, {
      token: admin.accessToken,
    });
    expect(disabled.status).toBe(200);
    dbProxy.requestLatencyMs = 0;
    const signedIn = await signingIn;
    // The sign-in itself may still answer (it began before the disable); what it got must not work.
    if (signedIn.status === 200) {
      await expectRefusedEverywhere(String(signedIn.body.accessToken));
      const refresh = await callApi(a.url, 'POST', '/v1/auth/refresh', {
        body: { refreshToken: signedIn.body.refreshToken },
      });
      expect(refresh.status).toBe(401);
    } else {
      expect(signedIn.status).toBe(401);
    }
  });

  it('a demotion acknowledged while an admin completes the MFA step', async () => {
    const target = await createActiveUser(b.app, { role: 'admin' });
    const { secret } = await seedTotp(b.app, target);
    const challenge = await callApi(a.url, 'POST', '/v1/auth/login', {
      body: { email: target.email, password: target.password },
    });
    expect(challenge.body.mfaRequired).toBe(true);
    const before = await throttleStamp(target.email);
    dbProxy.requestLatencyMs = 250;
    const verifying = callApi(a.url, 'POST', '/v1/auth/mfa/verify', {
      body: { mfaToken: challenge.body.mfaToken, code: totpCodeAt(secret, Date.now()) },
    });
    await chargedAfter(target.email, before);
    const demoted = await callApi(b.url, 'PATCH', `/v1/admin/users/${target.id}`, {
      token: admin.accessToken,
      body: { role: 'viewer' },
    });
    expect(demoted.status).toBe(200);
    dbProxy.requestLatencyMs = 0;
    const verified = await verifying;
    expect(verified.status).toBe(200);
    for (const base of [a.url, b.url]) {
      const listed = await callApi(base, 'GET', '/v1/admin/users', {
        token: String(verified.body.accessToken),
      });
      expect({ base, status: listed.status }).toEqual({ base, status: 403 });
    }
  });

  it('a disable acknowledged while another process is filling its cache from the database', async () => {
    const user = await createActiveUser(b.app);
    const session = await callApi(a.url, 'POST', '/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const token = String(session.body.accessToken);
    // The cached state is gone (its TTL ran out, or Redis restarted): A's next request reads
    // PostgreSQL, whose answer now takes 800 ms to come back; the disable commits meanwhile, then
    // A caches what it read.
    await redis.del(`${env.REDIS_KEY_PREFIX}:auth:user:${user.id}`);
    dbProxy.latencyMs = 800;
    const reading = callApi(a.url, 'GET', '/v1/auth/me', { token });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const disabled = await callApi(b.url, 'POST', `/v1/admin/users/${user.id}/disable`, {
      token: admin.accessToken,
    });
    expect(disabled.status).toBe(200);
    await reading;
    dbProxy.latencyMs = 0;
    await expectRefusedEverywhere(token);
  });

  it('refresh-token reuse ends the session even when the rotating request finishes last', async () => {
    const user = await createActiveUser(b.app);
    const session = await callApi(b.url, 'POST', '/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    const refreshToken = String(session.body.refreshToken);
    // A rotates the token, but its Redis writes arrive 600 ms late; B sees the same token again
    // (the thief or the owner: either way reuse) and ends the session in that gap.
    redisProxy.requestLatencyMs = 600;
    const rotating = callApi(a.url, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
    const spent = await eventually(
      async () => {
        const { rows } = await db.query<{ used: boolean }>(
          'SELECT used_at IS NOT NULL AS used FROM refresh_tokens WHERE session_id = $1 ORDER BY created_at LIMIT 1',
          [session.body.sessionId],
        );
        return rows[0]?.used ?? false;
      },
      (used) => used,
      5_000,
      5,
    );
    expect(spent).toBe(true);
    const replayed = await callApi(b.url, 'POST', '/v1/auth/refresh', { body: { refreshToken } });
    expect(replayed.body.code).toBe('refresh_token_reused');
    const rotated = await rotating;
    redisProxy.requestLatencyMs = 0;
    if (rotated.status === 200) await expectRefusedEverywhere(String(rotated.body.accessToken));
    else expect(rotated.status).toBe(401);
    await expectRefusedEverywhere(String(session.body.accessToken));
  });

  it('keeps working for everyone else: the same flows without a concurrent change succeed', async () => {
    const user: TestUser = await createActiveUser(b.app);
    const session = await callApi(a.url, 'POST', '/v1/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(session.status).toBe(200);
    for (const base of [a.url, b.url]) {
      expect(
        (await callApi(base, 'GET', '/v1/auth/me', { token: String(session.body.accessToken) })).status,
      ).toBe(200);
    }
    const refreshed = await callApi(a.url, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: session.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(
      (await callApi(b.url, 'GET', '/v1/auth/me', { token: String(refreshed.body.accessToken) })).status,
    ).toBe(200);
  });
});
