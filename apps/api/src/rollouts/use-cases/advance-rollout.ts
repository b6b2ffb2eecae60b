import { Injectable } from '@nestjs/common';
import type { Rollout } from '@rampart/db';
import type { Flag } from '@rampart/flag-evaluation';
import { servingAtStage, servingWhenComplete } from '@rampart/rollout-guardrails';
import { describeStage, RolloutTransitions, stageAt } from '@rampart/rollouts';
import { actorOf } from '../../identity/principal';
import type { RolloutOperationInput } from './start-rollout';

/**
 * Moves to the next stage now, whatever its hold (a person's call; paused rollouts too, e.g. one
 * awaiting approval). Past the last stage (100 %) the rollout completes: the target becomes the
 * flag's default and the rollout's rules go, which serves the same as the 100 % stage did.
 */
@Injectable()
export class AdvanceRollout {
  constructor(private readonly transitions: RolloutTransitions) {}

  async execute({ actor, rolloutId, expectedStateVersion }: RolloutOperationInput): Promise<Rollout> {
    const seen = await this.transitions.peek(rolloutId);
    const target = { rolloutId, targetVariant: seen.rollout.targetVariant };
    const last = seen.rollout.stageIndex + 1 >= seen.plan.stages.length;
    const next = seen.rollout.stageIndex + 1;
    const { rollout } = await this.transitions.apply({
      rolloutId,
      expectedStateVersion: expectedStateVersion ?? seen.rollout.stateVersion,
      actor: actorOf(actor),
      operation: 'advance',
      from: ['running', 'paused'],
      decision: last ? 'completed' : 'advanced',
      action: last ? 'rollout.completed' : 'rollout.advanced',
      reason: last ? 'completed by hand' : `advanced by hand to ${describeStage(seen.plan, next)}`,
      changes: () =>
        last
          ? { status: 'completed', pauseReason: null, endedAt: new Date() }
          : {
              status: 'running',
              pauseReason: null,
              stageIndex: next,
              stageStartedAt: new Date(),
              extensionsUsed: 0,
            },
      flag: {
        reason: last
          ? `rollout ${rolloutId}: completed, ${seen.rollout.targetVariant} is the default`
          : `rollout ${rolloutId}: ${describeStage(seen.plan, next)}`,
        serve: (flag: Flag, _rollout, plan) =>
          last ? servingWhenComplete(flag, target) : servingAtStage(flag, target, stageAt(plan, next)),
      },
    });
    return rollout;
  }
}
