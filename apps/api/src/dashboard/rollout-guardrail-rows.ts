// What the dashboard shows of a rollout's guardrails: each guardrail of the current stage, with its
// verdict from the last evaluation the worker stored for that stage, or `pending` with its threshold
// when none has run yet. Read from stored JSON without trusting its shape: a plan or evidence written
// by a newer release (a guardrail kind this code does not know) still shows its id, kind, status,
// value and threshold generically, and never breaks the page.
import type { Rollout, RolloutDecisionRecord } from '@rampart/db';

export const PENDING = 'pending';

export interface GuardrailRow {
  id: string;
  kind: string;
  /** healthy, breaching or insufficient as the last evaluation judged; pending before the first. */
  status: string;
  /** The figure a person reads, in `unit`; null without samples or before the first evaluation. */
  value: number | null;
  threshold: number | null;
  /** fraction, ms, bytes or count for the kinds known here; whatever the evidence says for others. */
  unit: string | null;
  samples: number | null;
  /** When it started breaching (ISO 8601); null when it is not. */
  breachingSince: string | null;
}

/** The last evaluation of the rollout's current stage: when it ran, and its guardrail verdicts. */
export interface StageEvaluation {
  at: Date;
  guardrails: Record<string, unknown>[];
}

/** The unit each known kind's threshold is in (evaluate-rollout.ts gives the same in its evidence). */
const UNITS: Record<string, string> = {
  error_rate: 'fraction',
  latency: 'ms',
  memory: 'bytes',
  exceptions: 'count',
  prometheus: 'value',
};

/** Where a guardrail's configuration keeps its threshold, by kind; any kind may use `threshold`. */
const THRESHOLD_FIELDS = ['threshold', 'thresholdMs', 'thresholdBytes'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const numberOr = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const stringOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const isoOf = (ms: unknown): string | null => {
  const at = numberOr(ms);
  return at === null ? null : new Date(at).toISOString();
};

/** The guardrails the plan gives the stage, as stored (not parsed: unknown kinds stay). */
function stageGuardrails(plan: unknown, stageIndex: number): Record<string, unknown>[] {
  if (!isRecord(plan) || !Array.isArray(plan.stages)) return [];
  const stage: unknown = plan.stages[stageIndex];
  if (!isRecord(stage) || !Array.isArray(stage.guardrails)) return [];
  return stage.guardrails.filter(
    (guardrail): guardrail is Record<string, unknown> =>
      isRecord(guardrail) && typeof guardrail.id === 'string',
  );
}

function configuredThreshold(guardrail: Record<string, unknown>): number | null {
  for (const field of THRESHOLD_FIELDS) {
    const value = numberOr(guardrail[field]);
    if (value !== null) return value;
  }
  // Any exception breaches: its threshold is zero, as the evaluation's evidence says.
  return guardrail.kind === 'exceptions' ? 0 : null;
}

/**
 * The newest stored evaluation that is about the stage the rollout is in now. Decisions without one
 * (a person's pause or start) are skipped; an advance's evaluation ran before the stage it opened
 * started, so it belongs to the stage before.
 */
export function currentStageEvaluation(
  rollout: Pick<Rollout, 'stageStartedAt'>,
  decisions: readonly RolloutDecisionRecord[],
): StageEvaluation | null {
  const stageStart = rollout.stageStartedAt?.getTime();
  if (stageStart === undefined) return null;
  for (let index = decisions.length - 1; index >= 0; index -= 1) {
    const evidence = decisions[index]!.evidence;
    const evaluation = isRecord(evidence) ? evidence.evaluation : undefined;
    if (!isRecord(evaluation)) continue;
    const now = numberOr(evaluation.now);
    if (now === null || !Array.isArray(evaluation.guardrails)) continue;
    if (now < stageStart) return null;
    return { at: new Date(now), guardrails: evaluation.guardrails.filter(isRecord) };
  }
  return null;
}

/** One row per guardrail of the current stage, then any the evidence has that the plan does not. */
export function guardrailRows(
  rollout: Pick<Rollout, 'plan' | 'stageIndex' | 'guardrailState'>,
  evaluation: StageEvaluation | null,
): GuardrailRow[] {
  const assessed = new Map<string, Record<string, unknown>>();
  for (const evidence of evaluation?.guardrails ?? []) {
    if (typeof evidence.id === 'string') assessed.set(evidence.id, evidence);
  }
  const state = isRecord(rollout.guardrailState) ? rollout.guardrailState : {};
  const row = (id: string, configured: Record<string, unknown> | undefined): GuardrailRow => {
    const evidence = assessed.get(id);
    const kind = stringOr(evidence?.kind) ?? stringOr(configured?.kind) ?? 'unknown';
    if (!evidence) {
      return {
        id,
        kind,
        status: PENDING,
        value: null,
        threshold: configured ? configuredThreshold(configured) : null,
        unit: UNITS[kind] ?? null,
        samples: null,
        breachingSince: null,
      };
    }
    // The stored state is what the next evaluation starts from; the evidence, what the last one saw.
    const stored = state[id];
    const breachingSince =
      isRecord(stored) && 'breachingSince' in stored ? stored.breachingSince : evidence.breachingSince;
    return {
      id,
      kind,
      status: stringOr(evidence.status) ?? 'unknown',
      value: numberOr(evidence.value),
      threshold: numberOr(evidence.threshold) ?? (configured ? configuredThreshold(configured) : null),
      unit: stringOr(evidence.unit) ?? UNITS[kind] ?? null,
      samples: numberOr(evidence.samples),
      breachingSince: isoOf(breachingSince),
    };
  };
  const configured = stageGuardrails(rollout.plan, rollout.stageIndex);
  const ids = new Set(configured.map((guardrail) => guardrail.id as string));
  return [
    ...configured.map((guardrail) => row(guardrail.id as string, guardrail)),
    ...[...assessed.keys()].filter((id) => !ids.has(id)).map((id) => row(id, undefined)),
  ];
}

/** When the current stage's hold ends, counting the extensions granted so far; null when unknown. */
export function holdEndsAt(
  rollout: Pick<Rollout, 'plan' | 'stageIndex' | 'stageStartedAt' | 'extensionsUsed'>,
): Date | null {
  const plan = rollout.plan;
  if (!rollout.stageStartedAt || !isRecord(plan) || !Array.isArray(plan.stages)) return null;
  const stage: unknown = plan.stages[rollout.stageIndex];
  if (!isRecord(stage)) return null;
  const holdMs = numberOr(stage.holdMs);
  const extensionMs = numberOr(stage.extensionMs) ?? 0;
  if (holdMs === null) return null;
  return new Date(rollout.stageStartedAt.getTime() + holdMs + rollout.extensionsUsed * extensionMs);
}
