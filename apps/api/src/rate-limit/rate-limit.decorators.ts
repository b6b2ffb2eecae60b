// Which tier guards a route. Every route is in the `api` tier unless it says otherwise:
// @RateLimit('auth' | 'login' | 'expensive' | 'ofrep' | 'telemetry') puts it in that tier instead (and only that one),
// @NoRateLimit() takes it out of all of them. @Throttle({ <tier>: { limit, ttl } }) from
// @nestjs/throttler may still change a tier's numbers for one route.
// Note: a bare @SkipThrottle() does nothing here: it skips the library's throttler named
// `default`, and Rampart's throttlers are all named after their tier.
import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { RATE_LIMIT_TIERS, type RateLimitTier } from './rate-limit.tiers';

export const RATE_LIMIT_TIER = 'rampart:rate-limit-tier';

/** The tiers a route opts into; `api` is the default of every route that opts into none. */
export type OptInRateLimitTier = Exclude<RateLimitTier, 'api'>;

/** Skip flags for every tier but `keep`, in @SkipThrottle's form (`{ api: true, ... }`). */
function skipAllBut(keep?: RateLimitTier): Record<RateLimitTier, boolean> {
  return Object.fromEntries(RATE_LIMIT_TIERS.map((tier) => [tier, tier !== keep])) as Record<
    RateLimitTier,
    boolean
  >;
}

/**
 * This route (or every route of this controller) counts against `tier` and no other: the default
 * `api` tier is skipped. A method's decorator wins over its controller's.
 */
export function RateLimit(tier: OptInRateLimitTier): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_TIER, tier),
    // The guard picks the tier from the metadata above; the skip flags say the same in the
    // library's terms, and (set to false for `tier`) override a controller's @NoRateLimit().
    SkipThrottle(skipAllBut(tier)),
    ApiTooManyRequestsResponse({
      description: `problem+json \`rate_limited\` (tier \`${tier}\`), with Retry-After, RateLimit and RateLimit-Policy.`,
    }),
  );
}

/** Not limited at all. For probes and the like; health and metrics paths are exempt without it. */
export function NoRateLimit(): MethodDecorator & ClassDecorator {
  return SkipThrottle(skipAllBut());
}
