import { Injectable } from '@nestjs/common';
import type { Rollout } from '@rampart/db';
import { servingAtStage } from '@rampart/rollout-guardrails';
import { RolloutTransitions, stageAt } from '@rampart/rollouts';
import { type Principal, actorOf } from '../../identity/principal';

export interface RolloutOperationInput {
  actor: Principal;
  rolloutId: string;
  /** The state version the caller saw (optional: the current one). */
  expectedStateVersion?: number;
}

/** Starts a draft: the flag as it is now becomes the control, and the first stage serves the target. */
@Injectable()
export class StartRollout {
  constructor(private readonly transitions: RolloutTransitions) {}

  async execute({ actor, rolloutId, expectedStateVersion }: RolloutOperationInput): Promise<Rollout> {
    const { rollout } = await this.transitions.apply({
      rolloutId,
      ...(expectedStateVersion !== undefined ? { expectedStateVersion } : {}),
      actor: actorOf(actor),
      operation: 'start',
      from: ['draft'],
      decision: 'started',
      action: 'rollout.started',
      reason: 'started by hand',
      changes: (_rollout, _plan, flagBefore) => {
        const now = new Date();
        return {
          status: 'running',
          stageIndex: 0,
          stageStartedAt: now,
          startedAt: now,
          extensionsUsed: 0,
          controlFlag: flagBefore ?? null,
        };
      },
      flag: {
        reason: `rollout ${rolloutId}: started, stage 1`,
        serve: (flag, current, plan) =>
          servingAtStage(flag, { rolloutId, targetVariant: current.targetVariant }, stageAt(plan, 0)),
      },
    });
    return rollout;
  }
}
