/**
 * The rollout's decision at one moment: roll back, hold on, extend the hold, pause for a person, or
 * advance to the next stage. Pure and deterministic: the caller brings the time, the stage's timing,
 * the telemetry of both variants (and, for Prometheus guardrails, what their queries returned) and the
 * state the previous evaluation returned, and stores the evidence with the decision.
 *
 * Each guardrail is judged twice: over its window ending now (may it roll back?), and over the whole
 * stage so far (has the stage shown it healthy?). Both spans start no earlier than the stage: every
 * figure in a decision is about this stage's exposure.
 */
import { assessGuardrail, type Assessment, type GuardrailStatus } from './assess-guardrail';
import {
  assessPrometheusGuardrail,
  prometheusSpans,
  type ExternalReadings,
  type PrometheusReadings,
} from './assess-prometheus';
import type {
  Guardrail,
  GuardrailKind,
  PrometheusBreachDirection,
  PrometheusGuardrail,
  TelemetryGuardrail,
} from './guardrail-schema';
import { usesWindow } from './promql-template';
import { TELEMETRY_BUCKET_MS, type TelemetryBucket } from './telemetry';

export const ROLLOUT_DECISIONS = [
  /** Keep the stage as it is and evaluate again later. */
  'continue',
  /** Go to the next stage (past the last one: the rollout is complete). */
  'advance',
  /** The stage has earned its advance, and the rollout wants a person to approve it. */
  'await_approval',
  /** The hold is over but some guardrail lacks data: hold for one more extension (the caller counts it). */
  'extend_hold',
  /** Still no data after the last extension: stop here and let a person decide. */
  'pause_inconclusive',
  /** Serve the control again. */
  'rollback',
] as const;
export type RolloutDecision = (typeof ROLLOUT_DECISIONS)[number];

/** Where the current stage stands in time. */
export interface StageTiming {
  startedAt: number;
  holdMs: number;
  /** Extensions already granted to this stage's hold. */
  extensionsUsed: number;
  maxExtensions: number;
  extensionMs: number;
  requireApproval: boolean;
}

/** What one evaluation hands the next, per guardrail id. */
export interface GuardrailState {
  /** When the guardrail started breaching, for its `forMs`; null when it is not breaching. */
  breachingSince: number | null;
}
export type RolloutState = Record<string, GuardrailState>;

export interface RolloutEvaluationInput {
  /** ms since the epoch; telemetry buckets starting at or after it are ignored. */
  now: number;
  stage: StageTiming;
  guardrails: readonly Guardrail[];
  /**
   * Buckets of the target variant and of the control, in any order: the closed ones, and the one still
   * filling (only exceptions are counted from it).
   */
  target: readonly TelemetryBucket[];
  control: readonly TelemetryBucket[];
  /** The previous evaluation's `state` ({} for a stage's first). */
  state: RolloutState;
  /**
   * What the Prometheus guardrails' queries returned, by guardrail id, over the spans prometheusSpans
   * gives. A guardrail missing here has no data: insufficient.
   */
  external?: ExternalReadings;
}

/** One guardrail in a decision's evidence: its configuration, its verdict now and over the stage. */
export interface GuardrailEvidence extends Assessment {
  id: string;
  kind: GuardrailKind;
  /** Unit of `value` and `threshold`; `value` for a PromQL figure, whose unit is the query's. */
  unit: 'fraction' | 'ms' | 'bytes' | 'count' | 'value';
  threshold: number;
  /** For the rate tests, the share `bound` is compared with: the error-rate threshold, or 1 − quantile. */
  allowedShare: number | null;
  minSamples: number | null;
  confidence: number | null;
  /** null for exceptions, whose span is the whole stage. */
  windowMs: number | null;
  forMs: number | null;
  /** Carried into the next state; see `nextBreachingSince`. */
  breachingSince: number | null;
  /** The same guardrail over the whole stage so far. */
  stage: Assessment;
  /** For a prometheus guardrail: the query templates and which side of the threshold breaches. */
  prometheus?: { query: string; samplesQuery: string | null; breachWhen: PrometheusBreachDirection };
}

export interface RolloutEvaluation {
  decision: RolloutDecision;
  /** Why, in a sentence naming the guardrails that decided. */
  reason: string;
  now: number;
  /** When the hold ends, counting the extensions used so far. */
  holdEndsAt: number;
  /** Every guardrail, in the order given. */
  guardrails: GuardrailEvidence[];
  /** To pass to the next evaluation of this stage. */
  state: RolloutState;
}

/**
 * Breaching: since when it first breached (carried over). Healthy: null. Insufficient: unchanged,
 * so a breach the data stops covering for a while is neither forgotten nor acted on (a rollback needs
 * a breaching verdict at that very evaluation).
 */
function nextBreachingSince(status: GuardrailStatus, previous: number | null, now: number): number | null {
  if (status === 'breaching') return previous ?? now;
  if (status === 'healthy') return null;
  return previous;
}

function configurationOf(
  guardrail: Guardrail,
): Omit<GuardrailEvidence, keyof Assessment | 'breachingSince' | 'stage'> {
  const { id, kind } = guardrail;
  switch (guardrail.kind) {
    case 'error_rate':
      return {
        id,
        kind,
        unit: 'fraction',
        threshold: guardrail.threshold,
        allowedShare: guardrail.threshold,
        minSamples: guardrail.minSamples,
        confidence: guardrail.confidence,
        windowMs: guardrail.windowMs,
        forMs: guardrail.forMs,
      };
    case 'latency':
      return {
        id,
        kind,
        unit: 'ms',
        threshold: guardrail.thresholdMs,
        allowedShare: 1 - guardrail.quantile,
        minSamples: guardrail.minSamples,
        confidence: guardrail.confidence,
        windowMs: guardrail.windowMs,
        forMs: guardrail.forMs,
      };
    case 'memory':
      return {
        id,
        kind,
        unit: 'bytes',
        threshold: guardrail.thresholdBytes,
        allowedShare: null,
        minSamples: 1,
        confidence: null,
        windowMs: guardrail.windowMs,
        forMs: guardrail.forMs,
      };
    case 'exceptions':
      return {
        id,
        kind,
        unit: 'count',
        threshold: 0,
        allowedShare: null,
        minSamples: null,
        confidence: null,
        windowMs: null,
        forMs: null,
      };
    case 'prometheus':
      return {
        id,
        kind,
        unit: 'value',
        threshold: guardrail.threshold,
        allowedShare: null,
        minSamples: guardrail.minSamples ?? null,
        confidence: null,
        windowMs: guardrail.windowMs,
        forMs: guardrail.forMs,
        prometheus: {
          query: guardrail.query,
          samplesQuery: guardrail.samplesQuery ?? null,
          breachWhen: guardrail.breachWhen,
        },
      };
  }
}

/** Over the window and over the stage, from the stored telemetry of both variants. */
function assessTelemetry(
  input: RolloutEvaluationInput,
  guardrail: TelemetryGuardrail,
  windowMs: number | null,
): { window: Assessment; whole: Assessment } {
  const { now, stage, target, control } = input;
  // An exception is one whether or not its bucket has closed: counting the bucket still filling lets
  // it roll back within an evaluation of being reported. Rates and memory levels need whole buckets,
  // so their spans end at the last bucket boundary (and start no later than the bucket before it, so
  // a window shorter than a bucket still has one).
  const closedUntil = Math.max(stage.startedAt, Math.floor(now / TELEMETRY_BUCKET_MS) * TELEMETRY_BUCKET_MS);
  const end = guardrail.kind === 'exceptions' ? now : closedUntil;
  const windowStart =
    windowMs === null ? stage.startedAt : Math.max(stage.startedAt, Math.min(now - windowMs, end - 1));
  const window = assessGuardrail(guardrail, target, control, windowStart, end);
  // Memory is a level: over a whole day its "lowest peak" would say nothing, so the stage's verdict on
  // memory is the window's (how long it stays high is the rollback rule's business).
  const whole =
    guardrail.kind === 'memory' ? window : assessGuardrail(guardrail, target, control, stage.startedAt, end);
  return { window, whole };
}

const NOT_QUERIED: PrometheusReadings = {
  target: { value: null, samples: null, error: 'no query result was given for this guardrail' },
  control: { value: null, samples: null, error: 'no query result was given for this guardrail' },
};

/**
 * Over the window and over the stage, from the readings given. A query without `{{window}}` gives one
 * figure whatever the span: its stage verdict is the window's, as for memory.
 */
function assessPrometheus(
  input: RolloutEvaluationInput,
  guardrail: PrometheusGuardrail,
): { window: Assessment; whole: Assessment } {
  const spans = prometheusSpans(guardrail, input.stage.startedAt, input.now);
  const readings = input.external?.[guardrail.id];
  const window = assessPrometheusGuardrail(
    guardrail,
    readings?.window ?? NOT_QUERIED,
    spans.window.from,
    spans.window.to,
  );
  if (!usesWindow(guardrail.query)) return { window, whole: window };
  const whole = assessPrometheusGuardrail(
    guardrail,
    readings?.stage ?? NOT_QUERIED,
    spans.stage.from,
    spans.stage.to,
  );
  return { window, whole };
}

function evidenceOf(input: RolloutEvaluationInput, guardrail: Guardrail): GuardrailEvidence {
  const { now, state } = input;
  const configuration = configurationOf(guardrail);
  const { window, whole } =
    guardrail.kind === 'prometheus'
      ? assessPrometheus(input, guardrail)
      : assessTelemetry(input, guardrail, configuration.windowMs);
  const previous = Object.hasOwn(state, guardrail.id) ? (state[guardrail.id]?.breachingSince ?? null) : null;
  return {
    ...configuration,
    ...window,
    breachingSince: nextBreachingSince(window.status, previous, now),
    stage: whole,
  };
}

const names = (evidence: readonly GuardrailEvidence[]): string => evidence.map(({ id }) => id).join(', ');
const minutes = (ms: number): string => `${Number((ms / 60_000).toPrecision(3))} min`;

/** Rollback, if a guardrail calls for one: an exception at once, any other after breaching for its forMs. */
function rollbackReason(evidence: readonly GuardrailEvidence[], now: number): string | null {
  const exceptions = evidence.filter((item) => item.kind === 'exceptions' && item.status === 'breaching');
  if (exceptions.length > 0) return `uncaught exception in the target variant (${names(exceptions)})`;
  const sustained = evidence.filter(
    (item) =>
      item.status === 'breaching' &&
      item.forMs !== null &&
      item.breachingSince !== null &&
      now - item.breachingSince >= item.forMs,
  );
  if (sustained.length === 0) return null;
  return `breaching for their whole duration: ${sustained
    .map((item) => `${item.id} (${item.summary}; since ${minutes(now - item.breachingSince!)})`)
    .join('; ')}`;
}

export function evaluateRollout(input: RolloutEvaluationInput): RolloutEvaluation {
  const { now, stage } = input;
  if (!Number.isFinite(now) || !Number.isFinite(stage.startedAt) || now < stage.startedAt) {
    throw new RangeError(`now (${now}) must be a time at or after the stage's start (${stage.startedAt})`);
  }
  const guardrails = input.guardrails.map((guardrail) => evidenceOf(input, guardrail));
  const state: RolloutState = Object.fromEntries(
    guardrails.map(({ id, breachingSince }) => [id, { breachingSince }]),
  );
  const holdEndsAt = stage.startedAt + stage.holdMs + stage.extensionsUsed * stage.extensionMs;
  const decide = (decision: RolloutDecision, reason: string): RolloutEvaluation => ({
    decision,
    reason,
    now,
    holdEndsAt,
    guardrails,
    state,
  });

  const rollback = rollbackReason(guardrails, now);
  if (rollback !== null) return decide('rollback', rollback);

  const breaching = guardrails.filter((item) => item.status === 'breaching');
  if (now < holdEndsAt) {
    return decide(
      'continue',
      breaching.length > 0
        ? `holding; breaching, not yet for their duration: ${names(breaching)}`
        : `holding until the hold ends in ${minutes(holdEndsAt - now)}`,
    );
  }
  if (breaching.length > 0) {
    return decide('continue', `hold over, but breaching, not yet for their duration: ${names(breaching)}`);
  }
  const insufficient = guardrails.filter(
    (item) => item.status === 'insufficient' || item.stage.status === 'insufficient',
  );
  if (insufficient.length > 0) {
    return stage.extensionsUsed < stage.maxExtensions
      ? decide(
          'extend_hold',
          `not enough data to conclude (${names(insufficient)}): extension ${stage.extensionsUsed + 1} of ${stage.maxExtensions}`,
        )
      : decide(
          'pause_inconclusive',
          `not enough data to conclude (${names(insufficient)}) after ${stage.maxExtensions} extensions: a person decides`,
        );
  }
  const breachedOverStage = guardrails.filter((item) => item.stage.status === 'breaching');
  if (breachedOverStage.length > 0) {
    return decide(
      'continue',
      `hold over and healthy now, but breaching over the stage as a whole: ${names(breachedOverStage)}`,
    );
  }
  const shared = guardrails.filter((item) => item.sharedWithControl || item.stage.sharedWithControl);
  if (shared.length > 0) {
    return decide(
      'continue',
      `hold over, but above threshold on the control as well (not the target's doing, no reason to advance): ${names(shared)}`,
    );
  }
  return stage.requireApproval
    ? decide('await_approval', 'every guardrail healthy now and over the whole stage: waiting for approval')
    : decide('advance', 'every guardrail healthy now and over the whole stage');
}
