// Which tier guards a route. Every route is in the `api` tier unless it says otherwise:
// @RateLimit('auth' | 'login' | 'expensive' | 'ofrep' | 'telemetry') puts it in that tier instead (and only that one),
// @NoRateLimit() takes it out of all of them. A tier's numbers are the same for all its routes.
import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { RateLimitTier } from './rate-limit.tiers';

export const RATE_LIMIT_TIER = 'rampart:rate-limit-tier';

/** The tiers a route opts into; `api` is the default of every route that opts into none. */
export type OptInRateLimitTier = Exclude<RateLimitTier, 'api'>;

/** What a route's or controller's metadata may say: a tier of its own, or no limit at all. */
export type RouteRateLimit = OptInRateLimitTier | 'none';

/**
 * This route (or every route of this controller) counts against `tier` and no other: the default
 * `api` tier is skipped. A method's decorator wins over its controller's.
 */
export function RateLimit(tier: OptInRateLimitTier): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_TIER, tier),
    ApiTooManyRequestsResponse({
      description: `problem+json \`rate_limited\` (tier \`${tier}\`), with Retry-After, RateLimit and RateLimit-Policy.`,
    }),
  );
}

/** Not limited at all. For probes and the like; health and metrics paths are exempt without it. */
export function NoRateLimit(): MethodDecorator & ClassDecorator {
  return SetMetadata(RATE_LIMIT_TIER, 'none' satisfies RouteRateLimit);
}
