import { Injectable } from '@nestjs/common';
import type { Rollout } from '@rampart/db';
import { RolloutTransitions } from '@rampart/rollouts';
import { actorOf } from '../../identity/principal';
import type { RolloutOperationInput } from './start-rollout';

/** Runs a paused rollout again, at the stage it was paused in. */
@Injectable()
export class ResumeRollout {
  constructor(private readonly transitions: RolloutTransitions) {}

  async execute({ actor, rolloutId, expectedStateVersion }: RolloutOperationInput): Promise<Rollout> {
    const { rollout } = await this.transitions.apply({
      rolloutId,
      ...(expectedStateVersion !== undefined ? { expectedStateVersion } : {}),
      actor: actorOf(actor),
      operation: 'resume',
      from: ['paused'],
      decision: 'resumed',
      action: 'rollout.resumed',
      reason: 'resumed by hand',
      changes: () => ({ status: 'running', pauseReason: null }),
    });
    return rollout;
  }
}
