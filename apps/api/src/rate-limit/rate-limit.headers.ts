// The rate-limit response headers of draft-ietf-httpapi-ratelimit-headers-09: `RateLimit-Policy`
// (the quota: `"<tier>";q=<limit>;w=<window seconds>`) and `RateLimit` (what is left of it:
// `"<tier>";r=<remaining>;t=<seconds until reset>`), both Structured Field lists whose items are
// the policy name as a String; plus `Retry-After` on a refusal. Pure functions, so they are tested
// on their own (rate-limit.headers.spec.ts).
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What the storage answers for one hit. (The package's index does not export this interface by name.) */
export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

export interface RateLimitPolicy {
  /** The policy's name in the headers: the tier. */
  name: string;
  limit: number;
  windowMs: number;
}

/** A Structured Field String (RFC 9651 §3.3.3): quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

/** Whole seconds, rounded up: a client that waits this long is never early. */
function wholeSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1_000));
}

export function policyHeader(policy: RateLimitPolicy): string {
  return `${sfString(policy.name)};q=${policy.limit};w=${Math.max(1, wholeSeconds(policy.windowMs))}`;
}

/** Seconds until a refused client may try again (at least 1): the storage's wait, already in seconds. */
export function retryAfterSeconds(record: ThrottlerStorageRecord): number {
  return Math.max(1, Math.ceil(record.timeToBlockExpire));
}

/** r: requests left in the window (0 when refused); t: seconds until there are some again. */
export function stateHeader(policy: RateLimitPolicy, record: ThrottlerStorageRecord): string {
  const remaining = record.isBlocked ? 0 : Math.max(0, policy.limit - record.totalHits);
  const reset = record.isBlocked ? retryAfterSeconds(record) : Math.max(0, record.timeToExpire);
  return `${sfString(policy.name)};r=${remaining};t=${reset}`;
}

/** The headers of an answer: on a refusal with Retry-After. Names in lower case, as HTTP/2 sends them. */
export function rateLimitHeaders(
  policy: RateLimitPolicy,
  record: ThrottlerStorageRecord,
): Record<string, string> {
  return {
    'ratelimit-policy': policyHeader(policy),
    ratelimit: stateHeader(policy, record),
    ...(record.isBlocked ? { 'retry-after': String(retryAfterSeconds(record)) } : {}),
  };
}

/**
 * Of several counters applying to one request (the `auth` tier counts the IP and the account), the
 * one that decides: a refusing one with the longest wait, else the one with the fewest requests left.
 */
export function mostRestrictive(records: readonly ThrottlerStorageRecord[]): ThrottlerStorageRecord {
  const [first, ...rest] = records;
  if (!first) throw new Error('mostRestrictive needs at least one record');
  return rest.reduce((worst, record) => {
    if (record.isBlocked !== worst.isBlocked) return record.isBlocked ? record : worst;
    if (record.isBlocked) return retryAfterSeconds(record) > retryAfterSeconds(worst) ? record : worst;
    if (record.totalHits !== worst.totalHits) return record.totalHits > worst.totalHits ? record : worst;
    return record.timeToExpire > worst.timeToExpire ? record : worst;
  }, first);
}
