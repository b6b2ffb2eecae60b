import { Injectable, Logger } from '@nestjs/common';
import type { AuditActor } from '@rampart/audit';
import { type Rollout, RolloutRepository, type UnitOfWork, UserRepository } from '@rampart/db';
import type { Flag } from '@rampart/flag-evaluation';
import { BUCKET_MS, MAX_READ_SPAN_MS, TelemetryStore, bucketStart } from '@rampart/guardrail-telemetry';
import { DomainError } from '@rampart/http';
import { IncidentLog } from '@rampart/incidents';
import type { RolloutEvaluationOutcome, RolloutsEvaluateResult } from '@rampart/jobs';
import { EmailOutbox } from '@rampart/outbox';
import {
  type RolloutEvaluation,
  type RolloutPlan,
  type RolloutState,
  evaluateRollout,
  servingAtStage,
  servingRestored,
  servingWhenComplete,
} from '@rampart/rollout-guardrails';
import { describeStage, RolloutTransitions, type Transition, stageAt } from '@rampart/rollouts';
import { PrometheusGuardrails } from './prometheus-guardrails';
import { RolloutEvaluationMetrics } from './rollout-evaluation.metrics';

/** Who the worker's decisions are recorded as, in rollout_decisions and the audit log. */
export const ROLLOUTS_ACTOR: AuditActor = 'system:rollouts';

/** Running rollouts evaluated per run; far above what one flag set has running at once. */
const MAX_ROLLOUTS_PER_RUN = 1_000;
/** Operators and admins mailed about a rollback, at most. */
const MAX_RECIPIENTS = 1_000;

/** A step another writer (a second worker, an operator) made first: this run's view is stale. */
function isStale(error: unknown): boolean {
  return (
    error instanceof DomainError && (error.code === 'rollout_conflict' || error.code === 'invalid_transition')
  );
}

/**
 * The worker's evaluation of every running rollout: each stage's telemetry (target and control, closed
 * buckets since the stage started) and its prometheus guardrails' query results through evaluateRollout, and its decision applied through
 * RolloutTransitions as `system:rollouts`, compared and set on the state version the evaluation read.
 * Two workers evaluating the same state: one applies, the other finds the version moved and does
 * nothing. A worker killed mid-run leaves nothing half-applied (each step is one transaction) and the
 * next run decides again.
 */
@Injectable()
export class EvaluateRollouts {
  private readonly logger = new Logger(EvaluateRollouts.name);

  constructor(
    private readonly rollouts: RolloutRepository,
    private readonly users: UserRepository,
    private readonly telemetry: TelemetryStore,
    private readonly transitions: RolloutTransitions,
    private readonly incidents: IncidentLog,
    private readonly outbox: EmailOutbox,
    private readonly metrics: RolloutEvaluationMetrics,
    private readonly prometheus: PrometheusGuardrails,
  ) {}

  /** `now` is for tests that evaluate buckets ahead of the clock; the job passes nothing. */
  async run(now: number = Date.now()): Promise<RolloutsEvaluateResult> {
    const { items, total } = await this.rollouts.list({
      status: 'running',
      page: 1,
      pageSize: MAX_ROLLOUTS_PER_RUN,
    });
    // All running, not only the page evaluated: a count stuck at the page size would hide the backlog.
    this.metrics.recordRunning(total);
    const outcomes: RolloutEvaluationOutcome[] = [];
    for (const rollout of items) {
      try {
        outcomes.push(await this.evaluate(rollout, now));
      } catch (error) {
        // One rollout's failure (its flag gone, Redis slow) must not keep the others from being judged.
        this.logger.error(`evaluating rollout ${rollout.id} failed: ${String(error)}`);
        this.metrics.recordError();
        outcomes.push({ rolloutId: rollout.id, decision: 'error', applied: false });
      }
    }
    return { evaluated: items.length, outcomes };
  }

  async evaluate(rollout: Rollout, now: number): Promise<RolloutEvaluationOutcome> {
    const { plan } = await this.transitions.peek(rollout.id);
    const stage = stageAt(plan, rollout.stageIndex);
    const startedAt = rollout.stageStartedAt?.getTime() ?? now;
    const [telemetry, external] = await Promise.all([
      this.readTelemetry(rollout, startedAt, now),
      this.prometheus.read(
        {
          flagKey: rollout.flagKey,
          targetVariant: rollout.targetVariant,
          controlVariant: controlVariantOf(rollout),
        },
        stage.guardrails,
        Math.min(startedAt, now),
        now,
      ),
    ]);
    const evaluation = evaluateRollout({
      now,
      stage: {
        startedAt: Math.min(startedAt, now),
        holdMs: stage.holdMs,
        extensionsUsed: rollout.extensionsUsed,
        maxExtensions: stage.maxExtensions,
        extensionMs: stage.extensionMs,
        requireApproval: stage.requireApproval || rollout.requireApproval,
      },
      guardrails: stage.guardrails,
      ...telemetry,
      external,
      state: stateOf(rollout.guardrailState),
    });
    const outcome = { rolloutId: rollout.id, decision: evaluation.decision };
    const transition = this.transitionFor(rollout, plan, evaluation);
    if (!transition) return { ...outcome, applied: false };
    try {
      await this.transitions.apply(transition);
      this.metrics.recordApplied(evaluation.decision);
      if (evaluation.decision === 'rollback') {
        this.logger.warn(`rollout ${rollout.id} of ${rollout.flagKey} rolled back: ${evaluation.reason}`);
      }
      return { ...outcome, applied: true };
    } catch (error) {
      if (!isStale(error)) throw error;
      return { ...outcome, applied: false };
    }
  }

  /**
   * The buckets of the target and of the control since the stage started, the one it started in
   * included (see totalsOver): the stage-wide verdicts need all of them, and every guardrail window
   * lies inside the stage. The bucket still filling is read too: evaluateRollout counts only its
   * exceptions, so one rolls back without waiting for the bucket to close.
   */
  private async readTelemetry(rollout: Rollout, startedAt: number, now: number) {
    const to = bucketStart(now) + BUCKET_MS;
    const from = Math.min(Math.max(bucketStart(startedAt), to - MAX_READ_SPAN_MS + BUCKET_MS), to);
    const read = async (variant: string) =>
      (await this.telemetry.buckets(rollout.flagKey, variant, from, to)).map(({ bucket }) => bucket);
    const [target, control] = await Promise.all([
      read(rollout.targetVariant),
      read(controlVariantOf(rollout)),
    ]);
    return { target, control };
  }

  private transitionFor(
    rollout: Rollout,
    plan: RolloutPlan,
    evaluation: RolloutEvaluation,
  ): Transition | null {
    const base = {
      rolloutId: rollout.id,
      expectedStateVersion: rollout.stateVersion,
      actor: ROLLOUTS_ACTOR,
      from: ['running'] as const,
      reason: evaluation.reason,
      evidence: { evaluation },
    };
    const target = { rolloutId: rollout.id, targetVariant: rollout.targetVariant };
    const stage = describeStage(plan, rollout.stageIndex);
    switch (evaluation.decision) {
      case 'continue':
        if (sameState(stateOf(rollout.guardrailState), evaluation.state)) return null;
        return {
          ...base,
          operation: 'record guardrails',
          decision: 'guardrails_changed',
          action: 'rollout.guardrails_changed',
          changes: () => ({ guardrailState: evaluation.state }),
        };
      case 'extend_hold':
        return {
          ...base,
          operation: 'extend hold',
          decision: 'hold_extended',
          action: 'rollout.hold_extended',
          changes: (current) => ({
            extensionsUsed: current.extensionsUsed + 1,
            guardrailState: evaluation.state,
          }),
        };
      case 'pause_inconclusive':
      case 'await_approval':
        return {
          ...base,
          operation: 'pause',
          decision: evaluation.decision === 'await_approval' ? 'awaiting_approval' : 'paused_inconclusive',
          action: 'rollout.paused',
          changes: () => ({
            status: 'paused',
            pauseReason: evaluation.decision === 'await_approval' ? 'awaiting_approval' : 'inconclusive',
            guardrailState: evaluation.state,
          }),
        };
      case 'advance': {
        const next = rollout.stageIndex + 1;
        const last = next >= plan.stages.length;
        return {
          ...base,
          operation: 'advance',
          decision: last ? 'completed' : 'advanced',
          action: last ? 'rollout.completed' : 'rollout.advanced',
          reason: last
            ? `completed: ${evaluation.reason}`
            : `advanced to ${describeStage(plan, next)}: ${evaluation.reason}`,
          changes: () =>
            last
              ? { status: 'completed', pauseReason: null, endedAt: new Date(), guardrailState: {} }
              : {
                  stageIndex: next,
                  stageStartedAt: new Date(),
                  extensionsUsed: 0,
                  guardrailState: {},
                },
          flag: {
            reason: last
              ? `rollout ${rollout.id}: completed, ${rollout.targetVariant} is the default`
              : `rollout ${rollout.id}: ${describeStage(plan, next)}`,
            serve: (flag: Flag, _current, currentPlan) =>
              last
                ? servingWhenComplete(flag, target)
                : servingAtStage(flag, target, stageAt(currentPlan, next)),
          },
        };
      }
      case 'rollback':
        return {
          ...base,
          operation: 'roll back',
          decision: 'rolled_back',
          action: 'rollout.rolled_back',
          reason: `rolled back at ${stage}: ${evaluation.reason}`,
          changes: () => ({
            status: 'rolled_back',
            pauseReason: null,
            endedAt: new Date(),
            guardrailState: evaluation.state,
          }),
          flag: {
            reason: `rollout ${rollout.id}: rolled back to the control (${evaluation.reason})`.slice(0, 500),
            serve: (flag, current) => servingRestored(flag, current.controlFlag as Flag),
          },
          also: (unit, current, flagVersion) =>
            this.reportRollback(unit, current, stage, evaluation, flagVersion),
        };
    }
  }

  /** The incident, filled from the evidence, and the operators' mail: in the rollback's own transaction. */
  private async reportRollback(
    unit: UnitOfWork,
    rollout: Rollout,
    stage: string,
    evaluation: RolloutEvaluation,
    flagVersion: number | null,
  ): Promise<Record<string, unknown>> {
    const breached = evaluation.guardrails.filter((guardrail) => guardrail.status === 'breaching');
    const incident = await this.incidents.open(unit, {
      actor: ROLLOUTS_ACTOR,
      title: `Rollout of ${rollout.flagKey} rolled back at ${stage}`.slice(0, 200),
      severity: 'sev2',
      symptoms: [
        `${evaluation.reason}.`,
        ...breached.map(
          (guardrail) =>
            // A PromQL figure's unit is the query's own: no unit word after its threshold.
            `${guardrail.id} (${guardrail.kind}): ${guardrail.summary}; threshold ${guardrail.threshold}` +
            (guardrail.unit === 'value' ? '' : ` ${guardrail.unit}`) +
            (guardrail.windowMs === null ? '' : `, window ${guardrail.windowMs} ms`) +
            (guardrail.forMs === null ? '' : `, for ${guardrail.forMs} ms`) +
            '.',
        ),
      ].join('\n'),
      causeHypothesis: `The target variant "${rollout.targetVariant}" of ${rollout.flagKey}: its guardrails breached while the control's did not.`,
      nextSteps:
        'Every user is served the control again. Find the cause in the target variant, then start a new rollout.',
      rolloutId: rollout.id,
      flagVersions: flagVersion === null ? [] : [flagVersion],
    });
    const recipients = await this.operators();
    await this.outbox.stage(
      unit,
      recipients.map((to) => ({
        to,
        template: 'rollout-rolled-back' as const,
        params: {
          flagKey: rollout.flagKey,
          targetVariant: rollout.targetVariant,
          stage,
          reason: evaluation.reason,
          rolloutId: rollout.id,
          incidentId: incident.id,
          occurredAt: new Date(evaluation.now).toISOString(),
        },
      })),
    );
    return { incidentId: incident.id, mailed: recipients.length };
  }

  /** Every active operator's and admin's address. */
  private async operators(): Promise<string[]> {
    const pages = await Promise.all(
      (['operator', 'admin'] as const).map((role) =>
        this.users.list({ role, status: 'active', page: 1, pageSize: MAX_RECIPIENTS }),
      ),
    );
    return pages.flatMap(({ items }) => items.map((user) => user.email));
  }
}

/** The variant the flag served before the rollout (its default then): the control's telemetry. */
function controlVariantOf(rollout: Rollout): string {
  const control = rollout.controlFlag as Flag | null;
  return control?.defaultVariant ?? '';
}

function stateOf(stored: unknown): RolloutState {
  return stored && typeof stored === 'object' ? (stored as RolloutState) : {};
}

function sameState(a: RolloutState, b: RolloutState): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a[key]?.breachingSince ?? null) === (b[key]?.breachingSince ?? null));
}
