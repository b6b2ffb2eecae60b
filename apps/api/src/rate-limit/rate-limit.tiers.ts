// The API's rate-limit tiers: their names, the seeds' numbers as defaults, the parser for the
// `<limit>/<seconds>` form the RATE_LIMIT_* variables take, and the @nestjs/throttler options they
// turn into. One named throttler per tier; which tier guards a route is chosen by @RateLimit (the
// default is `api`), see rate-limit.decorators.ts.
import type { ThrottlerModuleOptions } from '@nestjs/throttler';

import {
  RATE_LIMIT_TIERS,
  type RateLimitSettings,
  type RateLimitTier,
  type RateLimitWindow,
} from '@rampart/config';

export {
  RATE_LIMIT_TIERS,
  parseRateLimit,
  type RateLimitSettings,
  type RateLimitTier,
  type RateLimitWindow,
} from '@rampart/config';

export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitTier, RateLimitWindow>> = Object.freeze({
  auth: { limit: 5, ttlMs: 60_000 },
  login: { limit: 10, ttlMs: 60_000 },
  api: { limit: 50, ttlMs: 60_000 },
  expensive: { limit: 20, ttlMs: 60_000 },
  ofrep: { limit: 6_000, ttlMs: 60_000 },
  telemetry: { limit: 1_200, ttlMs: 60_000 },
});

export const DEFAULT_RATE_LIMIT_SETTINGS: RateLimitSettings = Object.freeze({
  enabled: true,
  tiers: DEFAULT_RATE_LIMITS,
});

/** The object form of ThrottlerModuleOptions (the library also accepts a bare array). */
export type ThrottlerModuleConfig = Extract<ThrottlerModuleOptions, { throttlers: unknown }>;

/**
 * One named throttler per tier. `blockDuration: 0` keeps each tier a plain fixed window: requests
 * over the limit are refused until the window ends (the library would otherwise block for a whole
 * extra `ttl` from the moment the limit was passed). The guard writes the IETF headers itself, so
 * the library's X-RateLimit-* ones are off. When disabled, every throttler is skipped.
 */
export function throttlerOptions(settings: RateLimitSettings): ThrottlerModuleConfig {
  return {
    throttlers: RATE_LIMIT_TIERS.map((tier) => ({
      name: tier,
      limit: settings.tiers[tier].limit,
      ttl: settings.tiers[tier].ttlMs,
      blockDuration: 0,
    })),
    setHeaders: false,
    ...(settings.enabled ? {} : { skipIf: () => true }),
  };
}
