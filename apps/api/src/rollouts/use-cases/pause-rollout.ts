import { Injectable } from '@nestjs/common';
import type { Rollout } from '@rampart/db';
import { RolloutTransitions } from '@rampart/rollouts';
import { actorOf } from '../../identity/principal';
import type { RolloutOperationInput } from './start-rollout';

/** Holds a running rollout at its stage: the flag keeps serving it, and people may edit the flag again. */
@Injectable()
export class PauseRollout {
  constructor(private readonly transitions: RolloutTransitions) {}

  async execute({ actor, rolloutId, expectedStateVersion }: RolloutOperationInput): Promise<Rollout> {
    const { rollout } = await this.transitions.apply({
      rolloutId,
      ...(expectedStateVersion !== undefined ? { expectedStateVersion } : {}),
      actor: actorOf(actor),
      operation: 'pause',
      from: ['running'],
      decision: 'paused',
      action: 'rollout.paused',
      reason: 'paused by hand',
      changes: () => ({ status: 'paused', pauseReason: 'manual' }),
    });
    return rollout;
  }
}
