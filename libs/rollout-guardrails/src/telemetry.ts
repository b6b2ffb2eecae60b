import { z } from 'zod';

/**
 * Upper bounds (inclusive, ms) of the latency buckets a telemetry bucket counts requests in: the same
 * edges as the API's HTTP duration histogram, so one observation feeds both. A latency threshold must be
 * one of them, which makes "slower than T" an exact count rather than an interpolation.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [
  5, 10, 25, 50, 100, 150, 250, 500, 1_000, 2_000, 5_000, 10_000,
] as const;

/** Counts per latency bucket: one per bound, then one for requests slower than the last bound. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/**
 * The telemetry protocol's time bucket: a guarded service reports counts per flag, variant and 10-s
 * bucket, and Rampart stores them in buckets of the same width.
 */
export const TELEMETRY_BUCKET_MS = 10_000;

/** Most reports in one batch: 500 of about 150 bytes each stay far under the API's body limit. */
export const MAX_REPORTS_PER_BATCH = 500;

/** Ceilings that keep a forged or corrupt report from overflowing sums: far above any real 10 s bucket. */
const MAX_BUCKET_COUNT = 1e9;
const MAX_INSTANCES_PER_BUCKET = 1_000;
const MAX_MEMORY_BYTES = 2 ** 50;

const countSchema = z.number().int().min(0).max(MAX_BUCKET_COUNT);

const memoryReportSchema = z.strictObject({
  /** The process (pod, container) reporting, stable for its lifetime. */
  instance: z.string().min(1).max(200),
  /** Its highest resident memory during the bucket. */
  bytes: z.number().int().min(0).max(MAX_MEMORY_BYTES),
});

/**
 * What one variant of the flag under rollout did during one closed time bucket (10 s, say).
 *
 * - `latency` is NOT cumulative: `latency[i]` counts requests slower than bound i−1 and at most bound i
 *   (the first from 0, the last above 10 s), so buckets add up by plain sums; it adds up to `requests`.
 * - `errors` and `exceptions` are for this variant only: a request that failed is an error, an
 *   uncaught exception is one thrown by the variant's code path, whether or not a request saw it.
 * - `memory` is per process, not per variant: report the processes that served this variant in the
 *   bucket, each with its peak. Where one process serves both variants its reports appear in both,
 *   and the memory guardrail then judges the target alone (see assess-guardrail.ts).
 */
export const telemetryBucketSchema = z
  .strictObject({
    /** Start of the bucket, ms since the epoch. */
    start: z.number().int().min(0),
    requests: countSchema,
    errors: countSchema,
    latency: z.array(countSchema).length(LATENCY_BUCKET_COUNT),
    exceptions: countSchema,
    memory: z.array(memoryReportSchema).max(MAX_INSTANCES_PER_BUCKET).default([]),
  })
  .superRefine((bucket, issues) => {
    if (bucket.errors > bucket.requests) {
      issues.addIssue({ code: 'custom', path: ['errors'], message: 'must not exceed requests' });
    }
    const timed = bucket.latency.reduce((sum, count) => sum + count, 0);
    if (timed !== bucket.requests) {
      issues.addIssue({
        code: 'custom',
        path: ['latency'],
        message: `counts must add up to requests (${bucket.requests}), not ${timed}`,
      });
    }
  });

export type TelemetryBucket = z.output<typeof telemetryBucketSchema>;

/** One variant's telemetry summed over a span of time. */
export interface TelemetryTotals {
  requests: number;
  errors: number;
  latency: number[];
  exceptions: number;
  /**
   * Per bucket start that carried memory reports, the highest report of any instance, in time order:
   * reports of several buckets with the same start (one per reporting process) are merged.
   */
  memoryPeaks: number[];
  /** Every instance that reported memory in the span. */
  instances: Set<string>;
}

/**
 * Sums the buckets that overlap [from, to): the bucket a span starts in counts whole, so what
 * happened in a stage's first seconds (an exception right after it started, say) is not lost; the
 * price is up to one bucket of what came just before. The caller passes closed buckets only, so a
 * span never counts a bucket still filling up. Memory reports of `ignoredInstances` are left out
 * (the control's processes that also serve the target).
 */
export function totalsOver(
  buckets: readonly TelemetryBucket[],
  from: number,
  to: number,
  ignoredInstances: ReadonlySet<string> = new Set(),
): TelemetryTotals {
  const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  const peaks = new Map<number, number>();
  const instances = new Set<string>();
  let requests = 0;
  let errors = 0;
  let exceptions = 0;
  for (const bucket of buckets) {
    if (bucket.start + TELEMETRY_BUCKET_MS <= from || bucket.start >= to) continue;
    requests += bucket.requests;
    errors += bucket.errors;
    exceptions += bucket.exceptions;
    bucket.latency.forEach((count, index) => {
      latency[index] = (latency[index] ?? 0) + count;
    });
    for (const report of bucket.memory) {
      if (ignoredInstances.has(report.instance)) continue;
      instances.add(report.instance);
      peaks.set(bucket.start, Math.max(peaks.get(bucket.start) ?? 0, report.bytes));
    }
  }
  const memoryPeaks = [...peaks.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes);
  return { requests, errors, latency, exceptions, memoryPeaks, instances };
}

/** Requests slower than `thresholdMs`, which must be one of the bucket bounds. */
export function slowerThan(latency: readonly number[], thresholdMs: number): number {
  const index = LATENCY_BUCKET_BOUNDS_MS.indexOf(thresholdMs as (typeof LATENCY_BUCKET_BOUNDS_MS)[number]);
  if (index < 0) throw new RangeError(`${thresholdMs} ms is not a latency bucket bound`);
  return latency.slice(index + 1).reduce((sum, count) => sum + count, 0);
}

/**
 * The `quantile` of latency in ms, interpolated linearly within the bucket it falls in (as Prometheus's
 * histogram_quantile does): for display only, the guardrail decides on exact counts. Past the last
 * bound the answer is that bound, since the overflow bucket has no upper edge; null with no requests.
 */
export function estimateQuantileMs(latency: readonly number[], quantile: number): number | null {
  const total = latency.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let below = 0;
  for (let index = 0; index < LATENCY_BUCKET_BOUNDS_MS.length; index += 1) {
    const count = latency[index] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = index === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[index - 1]!;
      const upper = LATENCY_BUCKET_BOUNDS_MS[index]!;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return LATENCY_BUCKET_BOUNDS_MS[LATENCY_BUCKET_BOUNDS_MS.length - 1]!;
}
