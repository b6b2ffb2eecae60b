import type {
  ErrorRateGuardrail,
  ExceptionsGuardrail,
  LatencyGuardrail,
  MemoryGuardrail,
  PrometheusGuardrail,
} from '../guardrail-schema';
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT, type TelemetryBucket } from '../telemetry';
import type { StageTiming } from '../evaluate-rollout';

/** Test data for the specs: each spec states only what it is about. */

export const BUCKET_MS = 10_000;
/** A stage start far from the epoch, on a bucket boundary. */
export const T0 = 1_700_000_000_000;

const indexOfBound = (ms: number): number =>
  LATENCY_BUCKET_BOUNDS_MS.indexOf(ms as (typeof LATENCY_BUCKET_BOUNDS_MS)[number]);

export interface BucketShape {
  start?: number;
  requests?: number;
  errors?: number;
  /** Requests slower than 2 s (counted in the 5 s bucket); the rest in the 100 ms bucket. */
  slow?: number;
  /** Or the latency counts as they are. */
  latency?: number[];
  exceptions?: number;
  memory?: TelemetryBucket['memory'];
}

/** A bucket of `requests` (100 by default) answering in 100 ms, `slow` of them in 5 s. */
export function aBucket(shape: BucketShape = {}): TelemetryBucket {
  const requests = shape.requests ?? 100;
  const slow = shape.slow ?? 0;
  const latency = shape.latency ?? new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  if (shape.latency === undefined) {
    latency[indexOfBound(100)] = requests - slow;
    latency[indexOfBound(5_000)] = slow;
  }
  return {
    start: shape.start ?? T0,
    requests,
    errors: shape.errors ?? 0,
    latency,
    exceptions: shape.exceptions ?? 0,
    memory: shape.memory ?? [],
  };
}

/** One bucket every 10 s over [from, to), each shaped alike. */
export function traffic(from: number, to: number, shape: Omit<BucketShape, 'start'> = {}): TelemetryBucket[] {
  const buckets: TelemetryBucket[] = [];
  for (let start = from; start < to; start += BUCKET_MS) buckets.push(aBucket({ ...shape, start }));
  return buckets;
}

/** Latency counts from `{ boundMs: count }`, with `Infinity` for the overflow bucket. */
export function latencyCounts(counts: Record<number, number>): number[] {
  const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const [bound, count] of Object.entries(counts)) {
    const index = bound === 'Infinity' ? LATENCY_BUCKET_BOUNDS_MS.length : indexOfBound(Number(bound));
    latency[index] = count;
  }
  return latency;
}

export function aStage(overrides: Partial<StageTiming> = {}): StageTiming {
  return {
    startedAt: T0,
    holdMs: 30 * 60_000,
    extensionsUsed: 0,
    maxExtensions: 2,
    extensionMs: 10 * 60_000,
    requireApproval: false,
    ...overrides,
  };
}

export function anErrorRateGuardrail(overrides: Partial<ErrorRateGuardrail> = {}): ErrorRateGuardrail {
  return {
    id: 'error-rate',
    kind: 'error_rate',
    threshold: 0.01,
    windowMs: 10 * 60_000,
    forMs: 10 * 60_000,
    minSamples: 268,
    confidence: 0.95,
    ...overrides,
  };
}

export function aLatencyGuardrail(overrides: Partial<LatencyGuardrail> = {}): LatencyGuardrail {
  return {
    id: 'p95-latency',
    kind: 'latency',
    quantile: 0.95,
    thresholdMs: 2_000,
    windowMs: 10 * 60_000,
    forMs: 10 * 60_000,
    minSamples: 52,
    confidence: 0.95,
    ...overrides,
  };
}

export function aMemoryGuardrail(overrides: Partial<MemoryGuardrail> = {}): MemoryGuardrail {
  return {
    id: 'memory',
    kind: 'memory',
    thresholdBytes: 2 ** 30,
    windowMs: 60_000,
    forMs: 10 * 60_000,
    ...overrides,
  };
}

export const anExceptionsGuardrail = (id = 'exceptions'): ExceptionsGuardrail => ({ id, kind: 'exceptions' });

/** The error share of the variant over the window, as Argo Rollouts' and Flagger's examples compute it. */
export const ERROR_SHARE_QUERY =
  'sum(rate(http_requests_total{flag="{{flag}}",variant="{{variant}}",code=~"5.."}[{{window}}]))' +
  ' / sum(rate(http_requests_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))';
export const REQUESTS_QUERY =
  'sum(increase(http_requests_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))';

export function aPrometheusGuardrail(overrides: Partial<PrometheusGuardrail> = {}): PrometheusGuardrail {
  return {
    id: 'prom-errors',
    kind: 'prometheus',
    query: ERROR_SHARE_QUERY,
    threshold: 0.05,
    breachWhen: 'above',
    windowMs: 10 * 60_000,
    forMs: 5 * 60_000,
    samplesQuery: REQUESTS_QUERY,
    minSamples: 100,
    ...overrides,
  };
}
