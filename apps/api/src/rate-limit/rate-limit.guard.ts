import { type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import { Authenticator } from '../identity/authenticator';
import { RATE_LIMIT_TIER, type RouteRateLimit } from './rate-limit.decorators';
import {
  type RateLimitPolicy,
  type ThrottlerStorageRecord,
  mostRestrictive,
  policyHeader,
  rateLimitHeaders,
  retryAfterSeconds,
  stateHeader,
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

/** A tier's numbers as the guard applies them, with its RateLimit-Policy value made once. */
interface TierLimits {
  readonly tier: RateLimitTier;
  readonly limit: number;
  readonly ttlMs: number;
  readonly blockMs: number;
  readonly policy: RateLimitPolicy;
  readonly policyHeader: string;
}

/**
 * @nestjs/throttler's guard with Rampart's rules, run for every route ahead of the AccessGuard
 * (RequestGuards, which calls limit()):
 * - One tier per route: the one named by @RateLimit, else `api` (see rate-limit.decorators.ts).
 *   A tier's budget is shared by all its routes (the key is tier + tracker, not the route).
 * - Counted against: `auth`, the IP and the target account (the body's e-mail), both counted on
 *   every request and refused if either is over; `login`, the IP; `api` and `expensive`, the user
 *   (see callerTracker) or, anonymous, the IP.
 * - Every answer of a limited route carries RateLimit-Policy and RateLimit; a refusal is a
 *   DomainError 429 `rate_limited` with Retry-After too, which the problem+json filter sends.
 * - Storage trouble (Redis away) is a 503 `rate_limit_unavailable`: fail closed, see
 *   RedisThrottlerStorage; except the `ofrep` tier, which fails open (FAIL_OPEN_TIERS).
 * - Health, probe and metrics paths are never counted (exempt).
 *
 * The library supplies the options, the storage and the named throttlers (its onModuleInit); the
 * deciding is Rampart's own. The library's canActivate asks the Reflector six times per throttler
 * per request and awaits four values each, for one throttler per tier, although a route counts
 * against exactly one tier; its handleRequest is an async function over a request object of seven
 * fields. Here the route's tier is read once per route, a request costs one promise chain and the
 * RateLimit-Policy value is made once per tier: an authenticated request allocates about 7 % less
 * than with the library's path (docs/performance.md).
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
  private tierLimits: Map<string, TierLimits> | undefined;

  override canActivate(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.limit(context));
  }

  /**
   * Counts the request against its route's tier. True at once for a route that is not counted;
   * otherwise a promise of true once Redis has numbered the hit and it is within the budget (the
   * RateLimit headers are set on the reply), rejected with the 429 or 503 DomainError.
   */
  limit(context: ExecutionContext): true | Promise<true> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (this.exempt(request)) return true;
    const tier = this.tierOf(context);
    if (tier === 'none' || this.commonOptions.skipIf?.(context)) return true;
    const limits = this.limitsOf(tier);
    // All counters are hit, even when the first already refuses: an attacker rotating addresses
    // still spends the account's budget.
    const counted =
      tier === 'auth' || tier === 'login'
        ? Promise.all(requestTrackers(tier, request).map((tracker) => this.hit(limits, tracker))).then(
            mostRestrictive,
          )
        : this.callerTracker(request).then((tracker) => this.hit(limits, tracker));
    return counted.then(
      (record) => this.admit(limits, record, http.getResponse<FastifyReply>()),
      (error: unknown) => this.storageFailed(limits, error),
    );
  }

  /** The tier's numbers, from the throttler the library's onModuleInit named after it; they must be plain. */
  private limitsOf(tier: RateLimitTier): TierLimits {
    this.tierLimits ??= new Map(
      this.throttlers.map((throttler) => {
        const { name = '', limit, ttl, blockDuration } = throttler;
        if (typeof limit !== 'number' || typeof ttl !== 'number') {
          throw new Error(`rate-limit tier ${name}: limit and ttl must be numbers`);
        }
        const policy: RateLimitPolicy = { name, limit, windowMs: ttl };
        const limits: TierLimits = {
          tier: name as RateLimitTier,
          limit,
          ttlMs: ttl,
          blockMs: typeof blockDuration === 'number' ? blockDuration : ttl,
          policy,
          policyHeader: policyHeader(policy),
        };
        return [name, limits];
      }),
    );
    const limits = this.tierLimits.get(tier);
    if (!limits) throw new Error(`no throttler for the rate-limit tier ${tier}`);
    return limits;
  }

  /**
   * Whether the request is never counted. The matched route's pattern when there is one, so a query
   * string or an odd spelling of the path cannot make a limited route look exempt.
   */
  private exempt(request: FastifyRequest): boolean {
    return isExemptPath(request.routeOptions?.url ?? request.url.split('?')[0] ?? '');
  }

  /**
   * The `api`, `expensive` and `ofrep` tracker: the caller when the request carries a credential (a
   * bearer token, the browser-mode cookie or an SDK key) that verifies, the IP otherwise. This guard
   * runs before the AccessGuard (RequestGuards), so no principal is known yet; the Authenticator's
   * verified token (an HMAC, no Redis, kept for the AccessGuard to reuse) is what makes the caller
   * it names safe to count against. An unverified claim, or a hash of whatever token was sent,
   * would let a client pick a fresh bucket per request by sending made-up tokens. Revocation is not
   * checked: a revoked token still names its user, and the AccessGuard refuses it right after.
   */
  private callerTracker(request: FastifyRequest): Promise<string> {
    return this.authenticator.presentedToken(request).then(
      (presented) => {
        if (!presented) return ipTracker(request.ip);
        // The access guard needs the token's live state next: read beside the hit, not after it.
        this.authenticator.readStateEarly(request, presented);
        // `user:<id>` or `service:<key id>`: users and SDK keys each get a budget of their own.
        return presented.caller;
      },
      // Invalid or expired: the request is anonymous as far as limits go.
      () => ipTracker(request.ip),
    );
  }

  /** One hit on `<tier>:<tracker>`: one budget per tier and tracker across all the tier's routes. */
  private hit(limits: TierLimits, tracker: string): Promise<ThrottlerStorageRecord> {
    return this.storageService.increment(
      `${limits.tier}:${tracker}`,
      limits.ttlMs,
      limits.limit,
      limits.blockMs,
      limits.tier,
    );
  }

  /** Lets the request on with its RateLimit headers, or refuses it with 429 and Retry-After. */
  private admit(limits: TierLimits, record: ThrottlerStorageRecord, reply: FastifyReply): true {
    if (record.isBlocked) {
      this.metrics.record(limits.tier);
      const retryAfter = retryAfterSeconds(record);
      throw new DomainError(
        'rate_limited',
        429,
        `Too many requests; retry after ${retryAfter} seconds.`,
        { tier: limits.tier, retryAfterSeconds: retryAfter },
        rateLimitHeaders(limits.policy, record),
      );
    }
    void reply
      .header('ratelimit-policy', limits.policyHeader)
      .header('ratelimit', stateHeader(limits.policy, record));
    return true;
  }

  /** The storage failed: the request goes on for a fail-open tier, else 503 (fail closed). */
  private storageFailed(limits: TierLimits, error: unknown): true {
    const open = FAIL_OPEN_TIERS.has(limits.tier);
    this.logger.warn(
      `rate-limit storage failed, ${open ? 'letting the request through' : 'refusing the request'}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    if (open) return true;
    throw rateLimitUnavailable();
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
}

/** What the `auth` tier (the IP and the account named in the body) and the `login` tier (the IP) count. */
function requestTrackers(tier: 'auth' | 'login', request: FastifyRequest): string[] {
  if (tier === 'login') return [ipTracker(request.ip)];
  const account = accountTracker(request.body);
  return account === undefined ? [ipTracker(request.ip)] : [ipTracker(request.ip), account];
}
