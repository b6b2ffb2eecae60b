/**
 * A Prometheus guardrail's verdict over one span, from the figures the worker's instant queries
 * returned for the target and the control. The figures arrive as input: this file, like the rest of
 * the lib, does no I/O. A query that failed or returned nothing is no data, so insufficient: Flagger
 * counts "no data" as a failed check and rolls back on it; a rollout here never does (nor advances).
 */
import type { Assessment, ControlMeasurement, Measurement } from './assess-guardrail';
import type { PrometheusGuardrail } from './guardrail-schema';

/** What one variant's queries returned over one span. */
export interface PrometheusReading {
  /** The query's single sample; null when it returned no series (no data). NaN counts as no data. */
  value: number | null;
  /** The samplesQuery's single sample; null without a samplesQuery or when it returned no series. */
  samples: number | null;
  /** Why a query gave no figure (Prometheus unreachable, refused the query, several series...). */
  error?: string;
}

export interface PrometheusReadings {
  target: PrometheusReading;
  control: PrometheusReading;
}

/**
 * A guardrail's readings at one evaluation: over its window, and over the whole stage when the query
 * uses `{{window}}` (a query without it gives one figure for any span: the stage's verdict is the window's).
 */
export interface PrometheusGuardrailReadings {
  window: PrometheusReadings;
  stage?: PrometheusReadings;
}

/** Readings by guardrail id, for evaluateRollout. */
export type ExternalReadings = Record<string, PrometheusGuardrailReadings>;

/** The spans a Prometheus guardrail is judged over, [from, to) in ms: both start no earlier than the stage. */
export function prometheusSpans(
  guardrail: Pick<PrometheusGuardrail, 'windowMs'>,
  stageStartedAt: number,
  now: number,
): { window: { from: number; to: number }; stage: { from: number; to: number } } {
  return {
    window: { from: Math.max(stageStartedAt, now - guardrail.windowMs), to: now },
    stage: { from: stageStartedAt, to: now },
  };
}

/** A reading's number, or null when there is none to judge (no series, NaN, a failed query). */
function figure(value: number | null, error: string | undefined): number | null {
  return error === undefined && value !== null && !Number.isNaN(value) ? value : null;
}

/** Whole numbers (bytes, counts) as they are; fractions to 4 significant digits, as a person reads them. */
const shown = (value: number): string =>
  !Number.isFinite(value)
    ? value > 0
      ? '+Inf'
      : '-Inf'
    : Number.isInteger(value)
      ? String(value)
      : String(Number(value.toPrecision(4)));

type Verdict = Omit<Assessment, 'from' | 'to'>;

function insufficient(base: Measurement, control: ControlMeasurement | null, summary: string): Verdict {
  return { ...base, status: 'insufficient', control, sharedWithControl: false, summary };
}

function verdict(guardrail: PrometheusGuardrail, readings: PrometheusReadings): Verdict {
  const { target, control } = readings;
  const above = guardrail.breachWhen === 'above';
  const beyond = (value: number): boolean =>
    above ? value > guardrail.threshold : value < guardrail.threshold;
  const worse = (a: number, b: number): boolean => (above ? a > b : a < b);
  const [bad, fine] = above ? ['>', '≤'] : ['<', '≥'];

  const value = figure(target.value, target.error);
  const samples =
    target.error === undefined && target.samples !== null && !Number.isNaN(target.samples)
      ? target.samples
      : null;
  const controlValue = figure(control.value, control.error);
  const controlSamples =
    control.error === undefined && control.samples !== null && !Number.isNaN(control.samples)
      ? control.samples
      : null;
  const minSamples = guardrail.minSamples;
  const controlMeasurement: ControlMeasurement | null =
    controlValue === null
      ? null
      : {
          samples: controlSamples,
          value: controlValue,
          failures: null,
          bound: null,
          // Compared only when it has traffic enough to say something, as for the rate guardrails.
          compared: minSamples === undefined || (controlSamples !== null && controlSamples >= minSamples),
        };
  const base: Measurement = { samples, value, failures: null, bound: null };

  if (target.error !== undefined) {
    return insufficient(
      base,
      controlMeasurement,
      `no data: the query for the target failed (${target.error})`,
    );
  }
  if (value === null) {
    return insufficient(base, controlMeasurement, 'no data: the query returned nothing for the target');
  }
  if (minSamples !== undefined) {
    if (samples === null) {
      return insufficient(
        base,
        controlMeasurement,
        'no data: the samples query returned nothing for the target',
      );
    }
    if (samples < minSamples) {
      return insufficient(
        base,
        controlMeasurement,
        `${shown(samples)} samples, fewer than the ${minSamples} needed to conclude`,
      );
    }
  }
  const observed = `value ${shown(value)}`;
  const against = `the threshold ${shown(guardrail.threshold)}`;
  const controlNote = controlMeasurement === null ? '' : ` (control ${shown(controlMeasurement.value!)})`;
  if (!beyond(value)) {
    return {
      ...base,
      status: 'healthy',
      control: controlMeasurement,
      sharedWithControl: false,
      summary: `${observed} ${fine} ${against}${controlNote}`,
    };
  }
  if (control.error !== undefined) {
    // The control may be failing as much (an outage downstream): without its figure, no blame.
    return insufficient(
      base,
      controlMeasurement,
      `${observed} ${bad} ${against}, but the query for the control failed (${control.error}): cannot tell whether the control fares as badly`,
    );
  }
  const compared = controlMeasurement !== null && controlMeasurement.compared;
  if (compared && !worse(value, controlMeasurement.value!)) {
    return {
      ...base,
      status: 'healthy',
      control: controlMeasurement,
      sharedWithControl: true,
      summary: `${observed} ${bad} ${against}, but the control fares as badly (${shown(controlMeasurement.value!)}): not the target's doing`,
    };
  }
  return {
    ...base,
    status: 'breaching',
    control: controlMeasurement,
    sharedWithControl: false,
    summary: `${observed} ${bad} ${against}${controlNote}`,
  };
}

/** The guardrail's verdict on the target against the control over [from, to), from the query results. */
export function assessPrometheusGuardrail(
  guardrail: PrometheusGuardrail,
  readings: PrometheusReadings,
  from: number,
  to: number,
): Assessment {
  return { from, to, ...verdict(guardrail, readings) };
}
