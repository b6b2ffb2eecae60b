/**
 * The rate-limit tiers the API applies (configuration only; the guard lives in the API):
 * - `auth`: sign-up, verification resend, password forgot/reset; per IP and per target account.
 * - `login`: sign-in, per IP (the per-account lockout is identity's).
 * - `api`: every other route, per user (per IP when anonymous).
 * - `expensive`: costly operations, per user (per IP when anonymous).
 * - `ofrep`: flag evaluation by OpenFeature SDKs, per SDK key (per IP without a valid one).
 * - `telemetry`: guardrail telemetry batches from guarded services, per SDK key (a budget of its own,
 *   so reporting never eats into evaluations).
 */
export const RATE_LIMIT_TIERS = ['auth', 'login', 'api', 'expensive', 'ofrep', 'telemetry'] as const;
export type RateLimitTier = (typeof RATE_LIMIT_TIERS)[number];

/** A fixed window: at most `limit` requests per `ttlMs` milliseconds. */
export interface RateLimitWindow {
  limit: number;
  ttlMs: number;
}

export interface RateLimitSettings {
  /** Off (RATE_LIMIT_ENABLED=false): no route is limited and Redis is never asked. */
  enabled: boolean;
  tiers: Record<RateLimitTier, RateLimitWindow>;
}

/** Bounds that catch typos (`5/600000`) without getting in the way of any sane policy. */
const MAX_LIMIT = 1_000_000;
const MAX_WINDOW_SECONDS = 86_400;
const RATE_LIMIT_FORM = /^(\d{1,7})\/(\d{1,6})$/;

/**
 * Parses `<limit>/<seconds>` (`5/60`: five requests a minute). Throws an Error whose message can
 * be shown as is for the variable that held the value.
 */
export function parseRateLimit(value: string): RateLimitWindow {
  const match = RATE_LIMIT_FORM.exec(value.trim());
  const limit = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || limit < 1 || limit > MAX_LIMIT || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
    throw new Error(
      `expected <limit>/<seconds> such as 5/60 (limit 1 to ${MAX_LIMIT}, seconds 1 to ${MAX_WINDOW_SECONDS}), got ${JSON.stringify(value)}`,
    );
  }
  return { limit, ttlMs: seconds * 1_000 };
}
