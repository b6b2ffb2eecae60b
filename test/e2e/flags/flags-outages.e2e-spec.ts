import { booleanFlag, createActiveUser, uniqueFlagKey } from '../../factories';
import { appEnv } from '../../support/app-env';
import { startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { signInWithMfa } from '../support/sign-in';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Flag evaluation through dependency outages: process B reaches Redis and PostgreSQL through proxies
 * the test cuts. B keeps evaluating from memory, and a change committed on process A while B's Redis
 * is away (so B never hears its announcement) still reaches B through its check of PostgreSQL.
 */
describe('flags through Redis and PostgreSQL outages', () => {
  const redisProxy = TcpProxy.forUrl(REDIS_URL);
  const databaseProxy = TcpProxy.forUrl(runDatabaseUrl());
  const env = appEnv({ JWT_SECRET: 'e2e-flag-outage-jwt-secret-long-enough-0123' });
  const flag = booleanFlag({ key: uniqueFlagKey('outage') });
  let a: AppProcess;
  let b: AppProcess;
  let admin: string;
  let key: string;

  const admin$ = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(a.url, method, path, { token: admin, ...(body ? { body } : {}) });
  const servedByB = async (): Promise<ApiAnswer> =>
    callApi(b.url, 'POST', `/ofrep/v1/evaluate/flags/${flag.key}`, {
      body: { context: { targetingKey: 'user-1' } },
      headers: { authorization: `Bearer ${key}` },
    });

  beforeAll(async () => {
    await redisProxy.start();
    await databaseProxy.start();
    const factory = await startApiInProcess(env);
    const adminUser = await createActiveUser(factory.app, { role: 'admin' }).finally(() => factory.close());
    a = await AppProcess.start('api', env);
    b = await AppProcess.start('api', {
      ...env,
      REDIS_URL: redisProxy.rewrite(REDIS_URL),
      DATABASE_URL: databaseProxy.rewrite(runDatabaseUrl()),
      FLAGS_REFRESH_INTERVAL_MS: '300',
    });
    admin = (await signInWithMfa(a.url, adminUser)).accessToken;
    const version = (await admin$('GET', '/v1/admin/flags')).body.version as number;
    expect(
      (await admin$('POST', '/v1/admin/flags', { flag, reason: 'outage e2e', expectedVersion: version }))
        .status,
    ).toBe(201);
    key = (await admin$('POST', '/v1/admin/sdk-keys', { name: 'outage', kind: 'server' })).body.key as string;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redisProxy.stop();
    await databaseProxy.stop();
  });

  /** Polls process B until it serves `value`, for up to `withinMs`. */
  const untilServed = async (value: boolean, withinMs: number): Promise<ApiAnswer> => {
    const started = Date.now();
    let answer = await servedByB();
    while (answer.body.value !== value && Date.now() - started < withinMs) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer = await servedByB();
    }
    return answer;
  };

  it('keeps evaluating without Redis, and follows a change it never heard of through PostgreSQL', async () => {
    expect((await untilServed(true, 2_000)).body).toMatchObject({ value: true, reason: 'STATIC' });
    await redisProxy.cut();
    try {
      const duringOutage = await servedByB();
      expect(duringOutage.status).toBe(200);
      expect(duringOutage.body.value).toBe(true);

      const version = (await admin$('GET', '/v1/admin/flags')).body.version as number;
      const off = await admin$('PUT', `/v1/admin/flags/${flag.key}/enabled`, {
        enabled: false,
        reason: 'changed while B cannot hear',
        expectedVersion: version,
      });
      expect(off.status).toBe(200);
      const followed = await untilServed(false, 3_000);
      expect(followed.status).toBe(200);
      expect(followed.body).toMatchObject({ value: false, reason: 'DISABLED' });
    } finally {
      await redisProxy.restore();
    }
  });

  it('keeps evaluating without PostgreSQL, and refuses writes there with 503', async () => {
    await databaseProxy.cut();
    try {
      const duringOutage = await servedByB();
      expect(duringOutage.status).toBe(200);
      const write = await callApi(b.url, 'PUT', `/v1/admin/flags/${flag.key}/enabled`, {
        token: admin,
        body: { enabled: true, reason: 'while PostgreSQL is away', expectedVersion: 1 },
      });
      expect(write.status).toBe(503);
      expect(write.body.code).toBe('database_unavailable');
    } finally {
      await databaseProxy.restore();
    }
  });
});
