import { Injectable } from '@nestjs/common';
import { type Rollout, type RolloutDecisionRecord, RolloutRepository } from '@rampart/db';
import { rolloutNotFound } from '@rampart/rollouts';

/** One rollout with its last decision. */
@Injectable()
export class GetRollout {
  constructor(private readonly rollouts: RolloutRepository) {}

  async execute({ rolloutId }: { rolloutId: string }): Promise<{
    rollout: Rollout;
    lastDecision: RolloutDecisionRecord | null;
  }> {
    const rollout = await this.rollouts.find(rolloutId);
    if (!rollout) throw rolloutNotFound();
    const last = await this.rollouts.lastDecisions([rollout.id]);
    return { rollout, lastDecision: last.get(rollout.id) ?? null };
  }
}
