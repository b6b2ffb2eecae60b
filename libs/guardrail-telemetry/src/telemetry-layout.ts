import {
  DAY_MS,
  HOUR_MS,
  LATENCY_BUCKET_COUNT,
  MAX_DURATION_MS,
  TELEMETRY_BUCKET_MS,
} from '@rampart/rollout-guardrails';

/** The width of a stored bucket: reports are added into the 10-s bucket their start falls in. */
export const BUCKET_MS = TELEMETRY_BUCKET_MS;

/**
 * How long a bucket lives after its last write. The longest span the worker reads is a window or a
 * stage of at most MAX_DURATION_MS (7 days, the rollout lib's durationSchema bound); one more day
 * covers a rollout paused and resumed late in its stage and the worker running behind, without
 * keeping a week of 10-s hashes around for ever.
 */
export const BUCKET_TTL_MS = MAX_DURATION_MS + DAY_MS;

/** How long a batch id is remembered: far longer than any client retries the same batch. */
export const BATCH_ID_TTL_MS = 24 * HOUR_MS;

/** The rollout lib's ceiling on memory reports per bucket: instances past it are not stored. */
export const MAX_INSTANCES_PER_BUCKET = 1_000;

/** The longest span `buckets()` reads at once: 60,480 + 8,640 10-s buckets. */
export const MAX_READ_SPAN_MS = BUCKET_TTL_MS;

/** Hash fields of a bucket (besides `m:<instance>`, one per instance that reported memory). */
export const BUCKET_FIELDS = {
  requests: 'requests',
  errors: 'errors',
  exceptions: 'exceptions',
  exposures: 'exposures',
  latency: Array.from({ length: LATENCY_BUCKET_COUNT }, (_, index) => `l${index}`),
  memoryPrefix: 'm:',
} as const;

/** The start of the 10-s bucket `at` (ms since the epoch) falls in. */
export function bucketStart(at: number): number {
  return Math.floor(at / BUCKET_MS) * BUCKET_MS;
}

/** The starts of the buckets that begin in [from, to), oldest first. */
export function bucketStartsIn(from: number, to: number): number[] {
  const starts: number[] = [];
  for (let start = Math.ceil(from / BUCKET_MS) * BUCKET_MS; start < to; start += BUCKET_MS)
    starts.push(start);
  return starts;
}

/**
 * The keys, under the deployment's REDIS_KEY_PREFIX. Flag keys (a-z0-9._-) and variant names
 * (A-Za-z0-9._-) hold no ':', so a key names one (flag, variant, start) and nothing else.
 */
export function bucketKey(prefix: string, flag: string, variant: string, start: number): string {
  return `${prefix}:telemetry:bucket:${flag}:${variant}:${start}`;
}

export function batchKey(prefix: string, credentialId: string, batchId: string): string {
  return `${prefix}:telemetry:batch:${credentialId}:${batchId}`;
}
