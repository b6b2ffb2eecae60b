import { Injectable } from '@nestjs/common';
import { type AuditAction, type AuditActor, AuditLog } from '@rampart/audit';
import {
  Database,
  type Rollout,
  type RolloutChanges,
  RolloutRepository,
  type RolloutStatus,
  type UnitOfWork,
} from '@rampart/db';
import type { Flag } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { type RolloutPlan, rolloutPlanSchema } from '@rampart/rollout-guardrails';
import { invalidTransition, rolloutConflict, rolloutNotFound } from './rollout-errors';

/** What the flag becomes, computed from the flag as the newest flag-set version holds it. */
export interface FlagStep {
  serve(current: Flag, rollout: Rollout, plan: RolloutPlan): Flag;
  /** The flag-set version's reason, e.g. `rollout <id>: stage 2 (25 %)`. */
  reason: string;
}

/** One change of a rollout's state: what it may start from, what it writes, how it is recorded. */
export interface Transition {
  rolloutId: string;
  /** The state version the caller saw; the rollout's current one when absent. */
  expectedStateVersion?: number;
  actor: AuditActor;
  operation: string;
  from: readonly RolloutStatus[];
  decision: string;
  action: AuditAction;
  reason: string;
  changes(rollout: Rollout, plan: RolloutPlan, flagBefore: Flag | undefined): RolloutChanges;
  /** What the decision was based on (an evaluation's figures), stored with the decision. */
  evidence?: Record<string, unknown>;
  flag?: FlagStep;
  /** More writes in the same unit (an incident), given the flag-set version written, if any. */
  also?(unit: UnitOfWork, rollout: Rollout, flagVersion: number | null): Promise<Record<string, unknown>>;
}

export interface TransitionResult {
  rollout: Rollout;
  flagVersion: number | null;
  extra: Record<string, unknown>;
}

/** Retries of a step whose flag-set version another writer took first (a different flag's edit). */
const FLAG_SET_RETRIES = 5;

function actorName(actor: AuditActor): string {
  return typeof actor === 'string' ? actor : `user:${actor.userId}`;
}

/**
 * Every change of a rollout's state goes through here, for both apps: an operator's over the API,
 * the worker's evaluation job's as `system:rollouts` (the actor is the transition's). The flag's new
 * serving as a new flag-set version (through FlagSets.commit, which also refuses other people's
 * edits while the rollout runs), the rollout row compared and set on its state version, the decision
 * and the audit entry, all in one transaction. Of several callers based on the same state exactly
 * one applies; the others get 409 rollout_conflict with nothing written.
 */
@Injectable()
export class RolloutTransitions {
  constructor(
    private readonly database: Database,
    private readonly rollouts: RolloutRepository,
    private readonly flagSets: FlagSets,
    private readonly audit: AuditLog,
  ) {}

  /** The rollout and its parsed plan, for a step that depends on where the rollout is. */
  async peek(rolloutId: string): Promise<{ rollout: Rollout; plan: RolloutPlan }> {
    const rollout = await this.rollouts.find(rolloutId);
    if (!rollout) throw rolloutNotFound();
    return { rollout, plan: rolloutPlanSchema.parse(rollout.plan) };
  }

  async apply(transition: Transition): Promise<TransitionResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(transition);
      } catch (error) {
        // The flag set moved on between our read and our write (someone edited another flag):
        // read again and retry; the rollout's own state version still decides who wins.
        if (
          !(error instanceof DomainError) ||
          error.code !== 'version_conflict' ||
          attempt >= FLAG_SET_RETRIES
        )
          throw error;
      }
    }
  }

  private async attempt(transition: Transition): Promise<TransitionResult> {
    const rollout = await this.rollouts.find(transition.rolloutId);
    if (!rollout) throw rolloutNotFound();
    const expected = transition.expectedStateVersion ?? rollout.stateVersion;
    if (expected !== rollout.stateVersion) throw rolloutConflict(rollout.stateVersion, expected);
    if (!transition.from.includes(rollout.status))
      throw invalidTransition(rollout.status, transition.operation);
    const plan = rolloutPlanSchema.parse(rollout.plan);

    let flagBefore: Flag | undefined;
    const write = async (unit: UnitOfWork, flagVersion: number | null): Promise<TransitionResult> => {
      const changes = transition.changes(rollout, plan, flagBefore);
      const updated = await this.rollouts.updateIfState(rollout.id, expected, changes, unit.tx);
      if (!updated) {
        const now = await this.rollouts.find(rollout.id, unit.tx);
        throw rolloutConflict(now?.stateVersion ?? expected, expected);
      }
      const extra = transition.also ? await transition.also(unit, updated, flagVersion) : {};
      await this.rollouts.addDecision(
        {
          rolloutId: rollout.id,
          decision: transition.decision,
          reason: transition.reason,
          actor: actorName(transition.actor),
          evidence: {
            ...transition.evidence,
            stageIndex: updated.stageIndex,
            status: updated.status,
            ...extra,
          },
          flagVersion,
        },
        unit.tx,
      );
      await this.audit.record(
        {
          actor: transition.actor,
          action: transition.action,
          target: { type: 'rollout', id: rollout.id },
          changes: {
            before: {
              status: rollout.status,
              stageIndex: rollout.stageIndex,
              stateVersion: rollout.stateVersion,
            },
            after: {
              status: updated.status,
              stageIndex: updated.stageIndex,
              stateVersion: updated.stateVersion,
              flagVersion,
              reason: transition.reason,
            },
          },
        },
        unit.tx,
      );
      return { rollout: updated, flagVersion, extra };
    };

    const step = transition.flag;
    if (!step) return this.database.unitOfWork((unit) => write(unit, null));

    const current = await this.flagSets.current();
    let result: TransitionResult | undefined;
    await this.flagSets.commit({
      expectedVersion: current.version,
      precondition: 'body',
      actor: transition.actor,
      reason: step.reason,
      rolloutId: rollout.id,
      apply: (content) => {
        const flag = Object.hasOwn(content.flags, rollout.flagKey)
          ? (content.flags[rollout.flagKey] as Flag)
          : undefined;
        if (!flag) {
          throw new DomainError(
            'flag_not_found',
            409,
            `The flag "${rollout.flagKey}" is no longer in the flag set.`,
          );
        }
        flagBefore = flag;
        return {
          ...content,
          flags: { ...content.flags, [rollout.flagKey]: step.serve(flag, rollout, plan) },
        };
      },
      alsoInUnit: async (unit, { snapshot }) => {
        result = await write(unit, snapshot.version);
      },
    });
    if (result) return result;
    // The flag already served what the step asks: no version, but the rollout's state still moves.
    return this.database.unitOfWork((unit) => write(unit, null));
  }
}
