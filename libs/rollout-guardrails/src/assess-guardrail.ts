/**
 * One guardrail over one span of time: healthy, breaching or insufficient, with the figures behind the
 * verdict. The rate guardrails (error rate, latency) are one-sided Wilson tests on a count of failing
 * requests; memory is a level; exceptions a count. See evaluate-rollout.ts for what a verdict leads to.
 */
import type { TelemetryGuardrail } from './guardrail-schema';
import {
  estimateQuantileMs,
  slowerThan,
  totalsOver,
  type TelemetryBucket,
  type TelemetryTotals,
} from './telemetry';
import { oneSidedZ, wilsonInterval, type Confidence } from './wilson';

export const GUARDRAIL_STATUSES = ['healthy', 'breaching', 'insufficient'] as const;
export type GuardrailStatus = (typeof GUARDRAIL_STATUSES)[number];

/** One variant's figures over the span. */
export interface Measurement {
  /**
   * Requests (error rate, latency, exceptions), buckets with memory reports (memory), or the
   * samplesQuery's figure (prometheus; null without a samplesQuery or when it returned nothing).
   */
  samples: number | null;
  /**
   * The figure a person reads, in the guardrail's unit: error rate (fraction), estimated quantile (ms),
   * sustained memory (bytes: the lowest of the per-bucket peaks), uncaught exceptions, or the PromQL
   * query's figure. null without samples.
   */
  value: number | null;
  /** Errors, or requests slower than the threshold, or exceptions; null for memory. */
  failures: number | null;
  /**
   * The confidence bound the test used, on the failing share: Wilson lower bound for the target, upper
   * bound for the control. null for memory and exceptions, which are not estimates.
   */
  bound: number | null;
}

export interface ControlMeasurement extends Measurement {
  /** Whether the verdict compared with it: the control had minSamples (rates) or its own processes (memory). */
  compared: boolean;
}

export interface Assessment extends Measurement {
  status: GuardrailStatus;
  /** The span assessed, [from, to) in ms since the epoch. */
  from: number;
  to: number;
  /** The control's figures over the same span; null when it had no traffic (or no memory reports). */
  control: ControlMeasurement | null;
  /**
   * Above the threshold, but no worse than the control: not blamed on the target (so not breaching),
   * yet no reason to advance either.
   */
  sharedWithControl: boolean;
  /** The verdict in one sentence, for the evidence a person reads. */
  summary: string;
}

const percent = (share: number): string => `${Number((share * 100).toPrecision(3))} %`;
const mebibytes = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

interface RateTest {
  target: { failures: number; samples: number; value: number | null };
  control: { failures: number; samples: number; value: number | null };
  allowedShare: number;
  minSamples: number;
  confidence: Confidence;
  /** "error rate", "share of requests slower than 2000 ms". */
  describe: string;
}

type Verdict = Omit<Assessment, 'from' | 'to'>;

/**
 * Breaching when the target's failing share is, at the confidence, above the allowed share and, when
 * the control has minSamples of its own, above the control's too (a failure the control shares, an
 * outage downstream say, is not the new variant's fault). Below minSamples: insufficient, whatever
 * the counts, so a handful of requests neither rolls back nor advances a rollout.
 */
function rateVerdict(test: RateTest): Verdict {
  const z = oneSidedZ(test.confidence);
  const { target, control } = test;
  const controlMeasurement: ControlMeasurement | null =
    control.samples === 0
      ? null
      : {
          samples: control.samples,
          value: control.value,
          failures: control.failures,
          bound: wilsonInterval(control.failures, control.samples, z).upper,
          compared: control.samples >= test.minSamples,
        };
  const base = { samples: target.samples, value: target.value, failures: target.failures };
  const observed = `${target.failures}/${target.samples}`;
  if (target.samples < test.minSamples) {
    return {
      ...base,
      bound: null,
      status: 'insufficient',
      control: controlMeasurement,
      sharedWithControl: false,
      summary: `${test.describe}: ${target.samples} requests, fewer than the ${test.minSamples} needed to conclude`,
    };
  }
  const bound = wilsonInterval(target.failures, target.samples, z).lower;
  const above = bound > test.allowedShare;
  const worseThanControl =
    controlMeasurement === null || !controlMeasurement.compared || bound > (controlMeasurement.bound ?? 1);
  const status = above && worseThanControl ? 'breaching' : 'healthy';
  const confidence = `${test.confidence * 100} % lower bound`;
  const against = `the allowed ${percent(test.allowedShare)}`;
  const summary = !above
    ? `${test.describe} ${observed}: ${confidence} ${percent(bound)} ≤ ${against}`
    : worseThanControl
      ? `${test.describe} ${observed}: ${confidence} ${percent(bound)} > ${against}` +
        (controlMeasurement?.compared
          ? ` and > control's upper bound ${percent(controlMeasurement.bound!)}`
          : '')
      : `${test.describe} ${observed}: ${confidence} ${percent(bound)} > ${against}, but the control fails as` +
        ` much (upper bound ${percent(controlMeasurement.bound!)}): not the target's doing`;
  return {
    ...base,
    bound,
    status,
    control: controlMeasurement,
    sharedWithControl: above && !worseThanControl,
    summary,
  };
}

/**
 * Memory is a level, not a count: it breaches when some target process stayed above the threshold at
 * every bucket of the span (the lowest per-bucket peak is above it), so one spike does not count. The
 * control is compared only through processes of its own, ones that report no target traffic: where the
 * same processes serve both variants, their memory says nothing about either, and the target is judged alone.
 */
function memoryVerdict(thresholdBytes: number, target: TelemetryTotals, control: TelemetryTotals): Verdict {
  const level = (peaks: number[]): number | null => (peaks.length === 0 ? null : Math.min(...peaks));
  const value = level(target.memoryPeaks);
  const controlValue = level(control.memoryPeaks);
  const controlMeasurement: ControlMeasurement | null =
    controlValue === null
      ? null
      : {
          samples: control.memoryPeaks.length,
          value: controlValue,
          failures: null,
          bound: null,
          compared: true,
        };
  const base = {
    samples: target.memoryPeaks.length,
    value,
    failures: null,
    bound: null,
    control: controlMeasurement,
  };
  if (value === null) {
    return {
      ...base,
      status: 'insufficient',
      sharedWithControl: false,
      summary: 'memory: no reports in the span',
    };
  }
  const above = value > thresholdBytes;
  const worseThanControl = controlValue === null || value > controlValue;
  const sustained = `memory: some process above ${mebibytes(value)} in all ${base.samples} reported buckets`;
  const summary = !above
    ? `${sustained}, ≤ the allowed ${mebibytes(thresholdBytes)}`
    : worseThanControl
      ? `${sustained}, > the allowed ${mebibytes(thresholdBytes)}`
      : `${sustained}, > the allowed ${mebibytes(thresholdBytes)}, but the control's processes use as much` +
        ` (${mebibytes(controlValue)})`;
  return {
    ...base,
    status: above && worseThanControl ? 'breaching' : 'healthy',
    sharedWithControl: above && !worseThanControl,
    summary,
  };
}

/** Any uncaught exception is a breach; without a single request there is nothing to vouch for. */
function exceptionsVerdict(target: TelemetryTotals, control: TelemetryTotals): Verdict {
  const status: GuardrailStatus =
    target.exceptions > 0 ? 'breaching' : target.requests > 0 ? 'healthy' : 'insufficient';
  const controlMeasurement: ControlMeasurement | null =
    control.requests === 0 && control.exceptions === 0
      ? null
      : {
          samples: control.requests,
          value: control.exceptions,
          failures: control.exceptions,
          bound: null,
          compared: false,
        };
  return {
    samples: target.requests,
    value: target.exceptions,
    failures: target.exceptions,
    bound: null,
    status,
    control: controlMeasurement,
    sharedWithControl: false,
    summary:
      status === 'breaching'
        ? `${target.exceptions} uncaught exception(s) in the target variant`
        : status === 'healthy'
          ? `no uncaught exception in ${target.requests} requests`
          : 'no requests and no exceptions in the span',
  };
}

/**
 * The guardrail's verdict on the target against the control over [from, to), from Rampart's stored
 * telemetry. Prometheus guardrails are judged from query results instead (assess-prometheus.ts).
 */
export function assessGuardrail(
  guardrail: TelemetryGuardrail,
  target: readonly TelemetryBucket[],
  control: readonly TelemetryBucket[],
  from: number,
  to: number,
): Assessment {
  const targetTotals = totalsOver(target, from, to);
  const controlTotals = totalsOver(
    control,
    from,
    to,
    guardrail.kind === 'memory' ? targetTotals.instances : undefined,
  );
  const span = { from, to };
  switch (guardrail.kind) {
    case 'error_rate': {
      const rate = (totals: TelemetryTotals): number | null =>
        totals.requests === 0 ? null : totals.errors / totals.requests;
      return {
        ...span,
        ...rateVerdict({
          target: {
            failures: targetTotals.errors,
            samples: targetTotals.requests,
            value: rate(targetTotals),
          },
          control: {
            failures: controlTotals.errors,
            samples: controlTotals.requests,
            value: rate(controlTotals),
          },
          allowedShare: guardrail.threshold,
          minSamples: guardrail.minSamples,
          confidence: guardrail.confidence,
          describe: 'errors',
        }),
      };
    }
    case 'latency': {
      // "p95 > T" ⇔ "more than 5 % of requests slower than T": an exact count, testable like an error rate.
      const measure = (totals: TelemetryTotals) => ({
        failures: slowerThan(totals.latency, guardrail.thresholdMs),
        samples: totals.requests,
        value: estimateQuantileMs(totals.latency, guardrail.quantile),
      });
      return {
        ...span,
        ...rateVerdict({
          target: measure(targetTotals),
          control: measure(controlTotals),
          allowedShare: 1 - guardrail.quantile,
          minSamples: guardrail.minSamples,
          confidence: guardrail.confidence,
          describe: `requests slower than ${guardrail.thresholdMs} ms`,
        }),
      };
    }
    case 'memory':
      return { ...span, ...memoryVerdict(guardrail.thresholdBytes, targetTotals, controlTotals) };
    case 'exceptions':
      return { ...span, ...exceptionsVerdict(targetTotals, controlTotals) };
  }
}
