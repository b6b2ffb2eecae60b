// The guard as the API runs it (module, Fastify, problem+json filter) over Fastify's inject, with
// an in-memory storage in place of Redis. The Redis storage itself has its own e2e suite.
import cookie from '@fastify/cookie';
import { type CanActivate, Controller, Get, HttpCode, Injectable, Post, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { type ApiConfigShape, ConfigModule } from '@rampart/config';
import { DomainError, ProblemDetailsFilter } from '@rampart/http';
import { MetricsModule } from '@rampart/observability';
import { AccessGuard } from '../access/access.guard';
import { AccessTokens } from '../identity/access-tokens';
import { IdentityModule } from '../identity/identity.module';
import { SdkKeyCredentials } from '../identity/sdk-key-credentials';
import { TokenState } from '../identity/token-state';
import { RequestGuards } from '../request-guards';
import { compileTrust } from '../common/http/client-address';
import { NoRateLimit, RateLimit } from './rate-limit.decorators';
import { isExemptPath } from './rate-limit.guard';
import type { ThrottlerStorageRecord } from './rate-limit.headers';
import { RateLimitMetrics } from './rate-limit.metrics';
import { RateLimitModule } from './rate-limit.module';
import type { RateLimitSettings } from './rate-limit.tiers';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const config = {
  env: 'test',
  release: { commitSha: 'unit', buildId: 'unit', rulesetVersion: 'v1' },
  redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'unit' },
  jwt: {
    secret: 'unit-test-jwt-secret-of-at-least-32-bytes',
    previousSecrets: [] as string[],
    issuer: 'rampart',
    audience: 'rampart-api',
    accessTokenTtlSeconds: 900,
  },
  cookies: {
    secure: false,
    secret: 'unit-test-cookie-secret-of-at-least-32-bytes',
    previousSecrets: [] as string[],
  },
} as ApiConfigShape;

const SETTINGS: RateLimitSettings = {
  enabled: true,
  tiers: {
    auth: { limit: 2, ttlMs: 60_000 },
    login: { limit: 3, ttlMs: 60_000 },
    api: { limit: 4, ttlMs: 60_000 },
    expensive: { limit: 2, ttlMs: 30_000 },
    ofrep: { limit: 3, ttlMs: 60_000 },
    telemetry: { limit: 3, ttlMs: 60_000 },
  },
};

/** A fixed window that never ends, counted per key, like the Redis storage within one window. */
class MemoryStorage implements ThrottlerStorage {
  readonly hits = new Map<string, number>();
  failing = false;

  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    if (this.failing) return Promise.reject(new Error('Connection is closed.'));
    const totalHits = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, totalHits);
    const isBlocked = totalHits > limit;
    const seconds = Math.ceil(ttl / 1_000);
    return Promise.resolve({
      totalHits,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    });
  }
}

@Controller('things')
class ThingsController {
  @Get()
  list(): { ok: true } {
    return { ok: true };
  }

  @Get('other')
  other(): { ok: true } {
    return { ok: true };
  }

  @Post('register')
  @HttpCode(202)
  @RateLimit('auth')
  register(): { ok: true } {
    return { ok: true };
  }

  @Post('reset')
  @HttpCode(204)
  @RateLimit('auth')
  reset(): void {}

  @Post('login')
  @HttpCode(200)
  @RateLimit('login')
  login(): { ok: true } {
    return { ok: true };
  }

  @Post('report')
  @HttpCode(200)
  @RateLimit('expensive')
  report(): { ok: true } {
    return { ok: true };
  }

  @Post('evaluate')
  @HttpCode(200)
  @RateLimit('ofrep')
  evaluate(): { ok: true } {
    return { ok: true };
  }

  @Get('free')
  @NoRateLimit()
  free(): { ok: true } {
    return { ok: true };
  }
}

/** Decorated on purpose: exempt paths stay exempt whatever the route says. */
@Controller()
@RateLimit('auth')
class ProbeController {
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('metrics')
  metrics(): string {
    return '';
  }

  @Get('healthy')
  healthy(): { ok: true } {
    return { ok: true };
  }
}

/** Stand-ins for the AccessGuard, which RequestGuards runs after the limiter: one lets all through, one refuses all. */
@Injectable()
class AllowAllGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Injectable()
class DenyAllGuard implements CanActivate {
  canActivate(): boolean {
    throw new DomainError('unauthenticated', 401, 'No.');
  }
}

interface Started {
  app: NestFastifyApplication;
  storage: MemoryStorage;
  metrics: RateLimitMetrics;
}

let started: Started | undefined;

async function start(
  options: { settings?: RateLimitSettings; trustProxy?: string[]; accessGuard?: Type<CanActivate> } = {},
): Promise<Started> {
  const storage = new MemoryStorage();
  const moduleRef = await Test.createTestingModule({
    // As api.module.ts wires it: identity and the module, then RequestGuards as the APP_GUARD. The
    // token state (Redis) and the SDK keys (PostgreSQL) are never consulted here: these requests carry
    // access tokens, whose signatures the limiter verifies.
    imports: [
      ConfigModule.forApi(config),
      MetricsModule.forApp(config, 'api'),
      IdentityModule,
      RateLimitModule.forRoot(options.settings ?? SETTINGS),
    ],
    controllers: [ThingsController, ProbeController],
    providers: [
      { provide: AccessGuard, useClass: options.accessGuard ?? AllowAllGuard },
      { provide: APP_GUARD, useClass: RequestGuards },
    ],
  })
    .overrideProvider(RedisThrottlerStorage)
    .useValue(storage)
    .overrideProvider(TokenState)
    // The limiter starts the token's state read for the access guard, which these tests replace.
    .useValue({ readState: () => Promise.resolve([]) })
    .overrideProvider(SdkKeyCredentials)
    .useValue({})
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    new FastifyAdapter({ trustProxy: compileTrust(options.trustProxy ?? []) }),
    { logger: false },
  );
  await app.register(cookie);
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  started = { app, storage, metrics: app.get(RateLimitMetrics) };
  return started;
}

afterEach(async () => {
  await started?.app.close();
  started = undefined;
});

interface Call {
  method?: 'GET' | 'POST';
  url: string;
  body?: Record<string, unknown>;
  from?: string;
  headers?: Record<string, string>;
}

async function call(app: NestFastifyApplication, request: Call) {
  const response = await app.inject({
    method: request.method ?? 'GET',
    url: request.url,
    remoteAddress: request.from ?? '198.51.100.1',
    headers: request.headers ?? {},
    ...(request.body ? { payload: request.body } : {}),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    problem: response.headers['content-type']?.toString().startsWith('application/problem+json')
      ? response.json<{ code: string; tier?: string; retryAfterSeconds?: number }>()
      : undefined,
  };
}

async function statuses(app: NestFastifyApplication, request: Call, times: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < times; i += 1) seen.push((await call(app, request)).status);
  return seen;
}

describe('RateLimitGuard', () => {
  it('puts every other route in the api tier, with the IETF headers, and answers 429 past the limit', async () => {
    const { app, metrics } = await start();
    const first = await call(app, { url: '/things' });
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"api";q=4;w=60');
    expect(first.headers['ratelimit']).toBe('"api";r=3;t=60');
    expect(first.headers['retry-after']).toBeUndefined();

    expect(await statuses(app, { url: '/things' }, 3)).toEqual([200, 200, 200]);
    const refused = await call(app, { url: '/things' });
    expect(refused.status).toBe(429);
    expect(refused.problem).toMatchObject({ code: 'rate_limited', tier: 'api', retryAfterSeconds: 60 });
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['ratelimit-policy']).toBe('"api";q=4;w=60');
    expect(refused.headers['ratelimit']).toBe('"api";r=0;t=60');
    expect(await metrics.snapshot()).toEqual({
      auth: 0,
      login: 0,
      api: 1,
      expensive: 0,
      ofrep: 0,
      telemetry: 0,
    });
  });

  it("shares a tier's budget across its routes", async () => {
    const { app } = await start();
    expect(await statuses(app, { url: '/things' }, 2)).toEqual([200, 200]);
    expect(await statuses(app, { url: '/things/other' }, 3)).toEqual([200, 200, 429]);
  });

  it('counts the auth tier per IP and per account, and refuses when either is spent', async () => {
    const { app, metrics } = await start();
    const register = (email: string, from: string) =>
      call(app, { method: 'POST', url: '/things/register', body: { email }, from });

    // One account from ever new addresses: the account's budget runs out.
    expect((await register('ada@example.com', '203.0.113.1')).status).toBe(202);
    expect((await register(' ADA@example.com', '203.0.113.2')).status).toBe(202);
    const refused = await register('Ada@Example.com', '203.0.113.3');
    expect(refused.status).toBe(429);
    expect(refused.problem).toMatchObject({ code: 'rate_limited', tier: 'auth' });
    expect(refused.headers['ratelimit-policy']).toBe('"auth";q=2;w=60');

    // Ever new accounts from one address: the address's budget runs out.
    expect((await register('a@example.com', '203.0.113.9')).status).toBe(202);
    expect((await register('b@example.com', '203.0.113.9')).status).toBe(202);
    expect((await register('c@example.com', '203.0.113.9')).status).toBe(429);
    expect((await metrics.snapshot()).auth).toBe(2);
  });

  it('counts a password reset (a token, no e-mail) per IP, in the same budget as the other auth routes', async () => {
    const { app } = await start();
    const reset = (from: string) =>
      call(app, { method: 'POST', url: '/things/reset', body: { token: 't' }, from });
    expect((await reset('203.0.113.1')).status).toBe(204);
    expect(
      (
        await call(app, {
          method: 'POST',
          url: '/things/register',
          body: { email: 'x@example.com' },
          from: '203.0.113.1',
        })
      ).status,
    ).toBe(202);
    expect((await reset('203.0.113.1')).status).toBe(429);
    expect((await reset('203.0.113.2')).status).toBe(204);
  });

  it('applies only the chosen tier to a decorated route', async () => {
    const { app } = await start();
    const login = await call(app, { method: 'POST', url: '/things/login', body: {} });
    expect(login.headers['ratelimit-policy']).toBe('"login";q=3;w=60');
    expect(await statuses(app, { method: 'POST', url: '/things/login', body: {} }, 3)).toEqual([
      200, 200, 429,
    ]);
    // The api budget was not touched by the login attempts.
    expect((await call(app, { url: '/things' })).headers['ratelimit']).toBe('"api";r=3;t=60');
    const report = await call(app, { method: 'POST', url: '/things/report' });
    expect(report.headers['ratelimit-policy']).toBe('"expensive";q=2;w=30');
  });

  it('counts a caller with a valid access token per user, whatever their address', async () => {
    const { app } = await start();
    const tokens = new AccessTokens(config);
    const { token } = tokens.sign({
      userId: 'user-1',
      sessionId: 'session-1',
      role: 'viewer',
      amr: ['pwd'],
      tokenVersion: 0,
    });
    const asUser = (from: string) =>
      call(app, {
        method: 'POST',
        url: '/things/report',
        from,
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await asUser('203.0.113.1')).status).toBe(200);
    expect((await asUser('203.0.113.2')).status).toBe(200);
    expect((await asUser('203.0.113.3')).status).toBe(429);
    // Another caller at one of those addresses is not affected.
    expect((await call(app, { method: 'POST', url: '/things/report', from: '203.0.113.1' })).status).toBe(
      200,
    );
  });

  it('counts made-up tokens against the IP, so they cannot open fresh budgets', async () => {
    const { app } = await start();
    const forged = (n: number) =>
      call(app, {
        method: 'POST',
        url: '/things/report',
        headers: { authorization: `Bearer not.a-real.token${n}` },
      });
    expect((await forged(1)).status).toBe(200);
    expect((await forged(2)).status).toBe(200);
    expect((await forged(3)).status).toBe(429);
  });

  it('reads the browser-mode access cookie too', async () => {
    const { app } = await start();
    const { token } = new AccessTokens(config).sign({
      userId: 'user-2',
      sessionId: 'session-2',
      role: 'viewer',
      amr: ['pwd'],
      tokenVersion: 0,
    });
    const request = (from: string) =>
      call(app, {
        method: 'POST',
        url: '/things/report',
        from,
        headers: { cookie: `rampart_access=${token}` },
      });
    expect([(await request('203.0.113.1')).status, (await request('203.0.113.2')).status]).toEqual([
      200, 200,
    ]);
    expect((await request('203.0.113.3')).status).toBe(429);
  });

  it('leaves @NoRateLimit routes alone', async () => {
    const { app, storage } = await start();
    expect(await statuses(app, { url: '/things/free' }, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await call(app, { url: '/things/free' })).headers['ratelimit']).toBeUndefined();
    expect(storage.hits.size).toBe(0);
  });

  it('never counts health and metrics paths, whatever their decorators; a mere prefix is not enough', async () => {
    const { app, storage } = await start();
    expect(await statuses(app, { url: '/health/live' }, 4)).toEqual([200, 200, 200, 200]);
    expect(await statuses(app, { url: '/metrics?x=1' }, 4)).toEqual([200, 200, 200, 200]);
    expect(storage.hits.size).toBe(0);
    expect(await statuses(app, { url: '/healthy' }, 3)).toEqual([200, 200, 429]);
  });

  it('behind a trusted proxy counts the forwarded client; a spoofed header from anyone else changes nothing', async () => {
    const { app } = await start({ trustProxy: ['10.0.0.1'] });
    const viaProxy = (client: string) =>
      call(app, { url: '/things', from: '10.0.0.1', headers: { 'x-forwarded-for': `${client}` } });
    expect(
      await Promise.all([1, 2, 3, 4, 5].map((n) => viaProxy(`203.0.113.${n}`).then((r) => r.status))),
    ).toEqual([200, 200, 200, 200, 200]);

    const spoofing = (n: number) =>
      call(app, {
        url: '/things',
        from: '198.51.100.7',
        headers: { 'x-forwarded-for': `203.0.113.${100 + n}` },
      });
    const seen: number[] = [];
    for (let n = 0; n < 5; n += 1) seen.push((await spoofing(n)).status);
    expect(seen).toEqual([200, 200, 200, 200, 429]);
  });

  it('fails closed with 503 rate_limit_unavailable when the storage fails', async () => {
    const { app, storage } = await start();
    storage.failing = true;
    const answer = await call(app, { method: 'POST', url: '/things/login', body: {} });
    expect(answer.status).toBe(503);
    expect(answer.problem?.code).toBe('rate_limit_unavailable');
    expect((await call(app, { url: '/health/live' })).status).toBe(200);
  });

  it('lets flag evaluation (the ofrep tier) through while the storage fails, and no other tier', async () => {
    const { app, storage } = await start();
    expect(await statuses(app, { method: 'POST', url: '/things/evaluate', body: {} }, 4)).toEqual([
      200, 200, 200, 429,
    ]);
    storage.failing = true;
    expect((await call(app, { method: 'POST', url: '/things/evaluate', body: {} })).status).toBe(200);
    expect((await call(app, { url: '/things' })).status).toBe(503);
    expect(
      (await call(app, { method: 'POST', url: '/things/register', body: { email: 'a@b.c' } })).status,
    ).toBe(503);
  });

  it('limits nothing when disabled', async () => {
    const { app, storage } = await start({ settings: { ...SETTINGS, enabled: false } });
    expect(await statuses(app, { url: '/things' }, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(storage.hits.size).toBe(0);
  });

  it('runs before the AccessGuard, which RequestGuards runs second', async () => {
    const { app } = await start({ accessGuard: DenyAllGuard });
    const first = await call(app, { url: '/things' });
    expect(first.status).toBe(401);
    expect(first.headers['ratelimit']).toBe('"api";r=3;t=60');
    expect(await statuses(app, { url: '/things' }, 4)).toEqual([401, 401, 401, 429]);
  });
});

describe('isExemptPath', () => {
  it.each(['/health', '/health/live', '/__healthz', '/__version', '/metrics', '/metrics/x'])(
    'exempts %s',
    (path) => {
      expect(isExemptPath(path)).toBe(true);
    },
  );

  it.each(['/', '/healthy', '/v1/health', '/metricsx', '/__versions', '/v1/auth/login'])(
    'limits %s',
    (path) => {
      expect(isExemptPath(path)).toBe(false);
    },
  );
});
