import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FlagSets } from '@rampart/flag-store';
import { EvaluateFlag } from '../../../apps/api/src/flags/use-cases/evaluate-flag';
import { LiveFlagSet } from '../../../apps/api/src/flags/live-flag-set';
import type { ServicePrincipal } from '../../../apps/api/src/identity/principal';
import { booleanFlag, createActiveUser, createPendingUser, uniqueEmail } from '../../factories';
import { type Exposition, parseExposition } from '../../support/prometheus-text';
import { useApi } from '../support/apps';

const TOKEN = randomBytes(24).toString('base64url');

async function scrape(app: NestFastifyApplication, authorization?: string): Promise<Exposition> {
  const response = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: authorization ? { authorization } : {},
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(response.body);
}

/** How much each of `names` moved while `work` ran, as scraped before and after. */
async function deltas(
  app: NestFastifyApplication,
  names: [string, Record<string, string>?][],
  work: () => Promise<unknown>,
): Promise<number[]> {
  const before = await scrape(app);
  await work();
  const after = await scrape(app);
  return names.map(([name, labels]) => after.value(name, labels) - before.value(name, labels));
}

function login(app: NestFastifyApplication, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

/**
 * GET /metrics on the API: the exposition, the HTTP metrics by route template (a bounded label set
 * whatever URLs clients send), the identity counters moving with real sign-ins, flag metrics, and
 * the optional bearer token.
 */
describe('API metrics', () => {
  const api = useApi({ LOGIN_MAX_FAILURES: '3' });

  it('exposes the build, the process and the data stores in Prometheus text format', async () => {
    const metrics = await scrape(api.app);
    expect(metrics.of('rampart_build_info')).toEqual([
      {
        name: 'rampart_build_info',
        labels: expect.objectContaining({ service: 'api' }) as unknown,
        value: 1,
      },
    ]);
    for (const family of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'db_connections_active',
      'db_connections_idle',
      'db_connections_waiting',
      'redis_errors_total',
      'flag_set_version',
    ]) {
      expect(metrics.families.has(family)).toBe(true);
    }
    expect(metrics.value('db_connections_active') + metrics.value('db_connections_idle')).toBeGreaterThan(0);
    expect(metrics.of('redis_errors_total').map((sample) => sample.labels.connection)).toEqual(
      expect.arrayContaining(['auth-state', 'rate-limit', 'producer', 'health']),
    );
  });

  it('labels requests by route template and status, never by raw URL', async () => {
    const id = randomUUID();
    const paths = Array.from({ length: 40 }, () => `/${randomBytes(6).toString('hex')}/${randomUUID()}`);
    const before = await scrape(api.app);
    const seriesBefore = before.of('http_requests_total').length;
    await api.app.inject({ method: 'GET', url: `/v1/admin/users/${id}` });
    for (const path of paths)
      expect((await api.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    const after = await scrape(api.app);

    expect(
      after.value('http_requests_total', { method: 'GET', route: '/v1/admin/users/:id', status: '401' }) -
        before.value('http_requests_total', { method: 'GET', route: '/v1/admin/users/:id', status: '401' }),
    ).toBe(1);
    expect(
      after.value('http_requests_total', { route: 'unmatched', status: '404' }) -
        before.value('http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBe(paths.length);
    // Forty new URLs, at most two new series (the template's 401 and the unmatched 404).
    expect(after.of('http_requests_total').length - seriesBefore).toBeLessThanOrEqual(2);
    const labels = after.samples.flatMap((sample) => Object.values(sample.labels));
    expect(labels.some((value) => value.includes(id) || paths.some((path) => value.includes(path)))).toBe(
      false,
    );
    // The histogram resolves the 150 ms objective and the 2 s rollback threshold.
    const buckets = after
      .of('http_request_duration_seconds_bucket')
      .filter((sample) => sample.labels.route === 'unmatched')
      .map((sample) => sample.labels.le);
    expect(buckets).toEqual(expect.arrayContaining(['0.15', '2']));
  });

  it('counts sign-ins, failures by reason, and lockouts', async () => {
    const user = await createActiveUser(api.app);
    const pending = await createPendingUser(api.app);
    const target = await createActiveUser(api.app);
    const [success, wrong, unverified, locked, lockouts] = await deltas(
      api.app,
      [
        ['login_success_total', { method: 'password' }],
        ['login_failure_total', { reason: 'invalid_credentials' }],
        ['login_failure_total', { reason: 'email_not_verified' }],
        ['login_failure_total', { reason: 'account_locked' }],
        ['account_lockouts_total'],
      ],
      async () => {
        expect((await login(api.app, user.email, user.password)).statusCode).toBe(200);
        expect((await login(api.app, uniqueEmail(), 'not-the-password-1')).statusCode).toBe(401);
        expect((await login(api.app, pending.email, pending.password)).statusCode).toBe(403);
        for (let attempt = 0; attempt < 3; attempt += 1) {
          expect((await login(api.app, target.email, 'not-the-password-1')).statusCode).toBe(401);
        }
        expect((await login(api.app, target.email, target.password)).statusCode).toBe(429);
      },
    );
    expect({ success, wrong, unverified, locked, lockouts }).toEqual({
      success: 1,
      wrong: 4,
      unverified: 1,
      locked: 1,
      lockouts: 1,
    });
  });

  it('counts refreshes and refresh-token reuse', async () => {
    const user = await createActiveUser(api.app);
    const { refreshToken } = (await login(api.app, user.email, user.password)).json<{
      refreshToken: string;
    }>();
    const refresh = (token: string) =>
      api.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: token } });
    const [refreshed, reused] = await deltas(
      api.app,
      [['refresh_success_total'], ['refresh_token_reuse_total']],
      async () => {
        expect((await refresh(refreshToken)).statusCode).toBe(200);
        expect((await refresh(refreshToken)).statusCode).toBe(401);
      },
    );
    expect({ refreshed, reused }).toEqual({ refreshed: 1, reused: 1 });
  });

  it('counts evaluations by flag, variant and reason; keys the set lacks share one label', async () => {
    const flag = booleanFlag();
    const flagSets = api.get(FlagSets);
    const { version } = await flagSets.current();
    const committed = await flagSets.commit({
      expectedVersion: version,
      precondition: 'body',
      actor: 'system:tests',
      reason: 'metrics test',
      apply: (current) => ({ ...current, flags: { ...current.flags, [flag.key]: flag as never } }),
    });
    await api.get(LiveFlagSet).check();
    const caller: ServicePrincipal = {
      kind: 'service',
      credentialId: randomUUID(),
      credentialKind: 'server',
      permissions: ['flags:evaluate'],
    };
    const unknownKeys = Array.from({ length: 10 }, () => `missing-${randomBytes(4).toString('hex')}`);
    const before = await scrape(api.app);
    const evaluate = api.get(EvaluateFlag);
    evaluate.execute({ caller, key: flag.key, context: { targetingKey: 'someone' } });
    for (const key of unknownKeys) evaluate.execute({ caller, key, context: { targetingKey: 'someone' } });
    const after = await scrape(api.app);

    expect(after.value('flag_set_version')).toBe(committed.snapshot.version);
    expect(
      after.value('flag_evaluations_total', { flag: flag.key, variant: 'on' }) -
        before.value('flag_evaluations_total', { flag: flag.key, variant: 'on' }),
    ).toBe(1);
    expect(
      after.value('flag_evaluations_total', { flag: '(not found)', reason: 'ERROR' }) -
        before.value('flag_evaluations_total', { flag: '(not found)', reason: 'ERROR' }),
    ).toBe(unknownKeys.length);
    const flagLabels = after.of('flag_evaluations_total').map((sample) => sample.labels.flag);
    expect(flagLabels.some((label) => unknownKeys.includes(label ?? ''))).toBe(false);
  });
});

describe('API metrics: the rate limiter', () => {
  const api = useApi({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '2/60' });

  it('counts each refusal under its tier; the scrape itself is never limited', async () => {
    const [blocked] = await deltas(api.app, [['rate_limit_block_total', { tier: 'login' }]], async () => {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        statuses.push((await login(api.app, uniqueEmail(), 'not-the-password-1')).statusCode);
      }
      expect(statuses).toEqual([401, 401, 429, 429]);
    });
    expect(blocked).toBe(2);
    for (let scrapeNumber = 0; scrapeNumber < 60; scrapeNumber += 1) await scrape(api.app);
  });
});

describe('API metrics: a scrape token', () => {
  const api = useApi({ METRICS_TOKEN: TOKEN });

  it('answers only the bearer of the token; others get a 401 problem', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      'Basic x',
    ]) {
      const response = await api.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect(response.body).not.toContain(TOKEN);
    }
    expect((await scrape(api.app, `Bearer ${TOKEN}`)).families.has('http_requests_total')).toBe(true);
  });
});

describe('API metrics: switched off', () => {
  const api = useApi({ METRICS_ENABLED: 'false' });

  it('has no /metrics route', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(404);
  });
});
