import { type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import { Authenticator, type PresentedToken } from '../identity/authenticator';
import { RATE_LIMIT_TIER, type RouteRateLimit } from './rate-limit.decorators';
import {
  type ThrottlerStorageRecord,
  mostRestrictive,
  rateLimitHeaders,
  retryAfterSeconds,
} from './rate-limit.headers';
import { RateLimitMetrics } from './rate-limit.metrics';
import type { RateLimitTier } from './rate-limit.tiers';
import { accountTracker, ipTracker } from './rate-limit.trackers';

/** Never limited, whatever their decorators say: probes and scrapers must always get through. */
export const RATE_LIMIT_EXEMPT_PATHS: readonly string[] = ['/health', '/__healthz', '/__version', '/metrics'];

/** The path or one below it (`/health/live`), not a mere prefix (`/healthy`). */
export function isExemptPath(path: string): boolean {
  return RATE_LIMIT_EXEMPT_PATHS.some((exempt) => path === exempt || path.startsWith(`${exempt}/`));
}

/**
 * Tiers that let requests through while the storage is away. Flag evaluation keeps serving from
 * memory through a Redis outage (its callers hold secret SDK keys, and an application whose flags
 * stop answering falls back to code defaults everywhere at once); every other tier fails closed, so
 * an outage never opens sign-in to brute force.
 */
const FAIL_OPEN_TIERS: ReadonlySet<RateLimitTier> = new Set<RateLimitTier>(['ofrep']);

function rateLimitUnavailable(): DomainError {
  return new DomainError(
    'rate_limit_unavailable',
    503,
    'Rate limiting is unavailable right now; try again shortly.',
  );
}

/**
 * @nestjs/throttler's guard with Rampart's rules, run for every route ahead of the AccessGuard
 * (RequestGuards):
 * - One tier per route: the one named by @RateLimit, else `api` (see rate-limit.decorators.ts).
 *   A tier's budget is shared by all its routes (the key is tier + tracker, not the route).
 * - Counted against: `auth`, the IP and the target account (the body's e-mail), both counted on
 *   every request and refused if either is over; `login`, the IP; `api` and `expensive`, the user
 *   (see getTracker) or, anonymous, the IP.
 * - Every answer of a limited route carries RateLimit-Policy and RateLimit; a refusal is a
 *   DomainError 429 `rate_limited` with Retry-After too, which the problem+json filter sends.
 * - Storage trouble (Redis away) is a 503 `rate_limit_unavailable`: fail closed, see
 *   RedisThrottlerStorage; except the `ofrep` tier, which fails open (FAIL_OPEN_TIERS).
 * - Health, probe and metrics paths are never counted (exempt).
 *
 * canActivate is Rampart's own: the library's asks the Reflector six times per throttler per
 * request (skip, limit, ttl, block, tracker and key overrides) and awaits four values each, for one
 * throttler per tier, although a route counts against exactly one tier. Here the route's tier is
 * read once per route and only its throttler runs (about 5 % of an authenticated request's CPU).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: RateLimitMetrics,
    private readonly authenticator: Authenticator,
  ) {
    super(options, storage, reflector);
    this.logger = new Logger(RateLimitGuard.name);
  }

  /** Per handler: its tier (a handler is one method of one controller, so it decides alone). */
  private readonly routeTiers = new WeakMap<object, RateLimitTier | 'none'>();
  private throttlersByTier: Map<string, ThrottlerOptions & { limit: number; ttl: number }> | undefined;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.exempt(context)) return true;
    const tier = this.tierOf(context);
    if (tier === 'none' || this.commonOptions.skipIf?.(context)) return true;
    const throttler = this.throttlerFor(tier);
    return this.handleRequest({
      context,
      limit: throttler.limit,
      ttl: throttler.ttl,
      blockDuration: typeof throttler.blockDuration === 'number' ? throttler.blockDuration : throttler.ttl,
      throttler,
      getTracker: (request) => this.getTracker(request as FastifyRequest),
      generateKey: (keyContext, tracker, name) => this.generateKey(keyContext, tracker, name),
    });
  }

  /** The tier's throttler, as the library's onModuleInit named it; its numbers must be plain. */
  private throttlerFor(tier: RateLimitTier): ThrottlerOptions & { limit: number; ttl: number } {
    this.throttlersByTier ??= new Map(
      this.throttlers.map((throttler) => {
        if (typeof throttler.limit !== 'number' || typeof throttler.ttl !== 'number') {
          throw new Error(`rate-limit tier ${String(throttler.name)}: limit and ttl must be numbers`);
        }
        return [throttler.name ?? '', { ...throttler, limit: throttler.limit, ttl: throttler.ttl }];
      }),
    );
    const throttler = this.throttlersByTier.get(tier);
    if (!throttler) throw new Error(`no throttler for the rate-limit tier ${tier}`);
    return throttler;
  }

  /**
   * Whether the request is never counted. The library's async shouldSkip is not used: only the
   * library's canActivate calls it, which this guard replaces, and a check on every request needs
   * no promise.
   */
  private exempt(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The matched route's pattern when there is one, so a query string or an odd spelling of the
    // path cannot make a limited route look exempt.
    const path = request.routeOptions?.url ?? request.url.split('?')[0] ?? '';
    return isExemptPath(path);
  }

  /**
   * The `api` and `expensive` tracker: the caller when the request carries a credential (a bearer
   * token, or the browser-mode cookie) whose signature and claims verify, the IP otherwise.
   * This guard runs before the AccessGuard (RequestGuards), so no principal is known yet; the
   * Authenticator's verified token (an HMAC, no Redis, kept for the AccessGuard to reuse) is what
   * makes the caller it names safe to count against. An unverified claim, or a hash of whatever token was
   * sent, would let a client pick a fresh bucket per request by sending made-up tokens. Revocation
   * is not checked: a revoked token still names its user, and the AccessGuard refuses it right after.
   */
  protected override async getTracker(request: FastifyRequest): Promise<string> {
    let presented: PresentedToken | undefined;
    try {
      presented = await this.authenticator.presentedToken(request);
    } catch {
      // Invalid or expired: the request is anonymous as far as limits go.
    }
    if (!presented) return ipTracker(request.ip);
    // The access guard needs the token's live state next: read beside the hit, not after it.
    this.authenticator.readStateEarly(request, presented);
    // `user:<id>` or `service:<key id>`: users and SDK keys each get a budget of their own.
    return presented.caller;
  }

  /** `<tier>:<tracker>`: one budget per tier and tracker across all the tier's routes. */
  protected override generateKey(_context: ExecutionContext, tracker: string, tier: string): string {
    return `${tier}:${tracker}`;
  }

  protected override async handleRequest(requestProps: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, blockDuration, throttler, getTracker, generateKey } = requestProps;
    const tier = throttler.name as RateLimitTier;

    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const trackers =
      tier === 'auth'
        ? [ipTracker(request.ip), accountTracker(request.body)].filter((tracker) => tracker !== undefined)
        : tier === 'login'
          ? [ipTracker(request.ip)]
          : [await getTracker(request, context)];
    // All counters are hit, even when the first already refuses: an attacker rotating addresses
    // still spends the account's budget.
    let records: ThrottlerStorageRecord[];
    try {
      records = await Promise.all(
        trackers.map((tracker) =>
          this.hit(generateKey(context, tracker, tier), ttl, limit, blockDuration, tier),
        ),
      );
    } catch (error) {
      if (!FAIL_OPEN_TIERS.has(tier)) throw error;
      return true;
    }
    const record = mostRestrictive(records);
    const headers = rateLimitHeaders({ name: tier, limit, windowMs: ttl }, record);

    if (record.isBlocked) {
      this.metrics.record(tier);
      const retryAfter = retryAfterSeconds(record);
      throw new DomainError(
        'rate_limited',
        429,
        `Too many requests; retry after ${retryAfter} seconds.`,
        { tier, retryAfterSeconds: retryAfter },
        headers,
      );
    }
    void http.getResponse<FastifyReply>().headers(headers);
    return true;
  }

  /** The route's tier: its own @RateLimit or @NoRateLimit, else its controller's, else `api`. */
  private tierOf(context: ExecutionContext): RateLimitTier | 'none' {
    const handler = context.getHandler();
    let tier = this.routeTiers.get(handler);
    if (tier === undefined) {
      tier =
        this.reflector.getAllAndOverride<RouteRateLimit | undefined>(RATE_LIMIT_TIER, [
          handler,
          context.getClass(),
        ]) ?? 'api';
      this.routeTiers.set(handler, tier);
    }
    return tier;
  }

  private hit(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    tier: RateLimitTier,
  ): Promise<ThrottlerStorageRecord> {
    return this.storageService.increment(key, ttl, limit, blockDuration, tier).catch((error: unknown) => {
      const outcome = FAIL_OPEN_TIERS.has(tier) ? 'letting the request through' : 'refusing the request';
      this.logger.warn(
        `rate-limit storage failed, ${outcome}: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw rateLimitUnavailable();
    });
  }
}
