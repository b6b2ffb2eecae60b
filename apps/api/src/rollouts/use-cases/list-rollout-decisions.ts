import { Injectable } from '@nestjs/common';
import { type RolloutDecisionRecord, RolloutRepository } from '@rampart/db';
import { rolloutNotFound } from '@rampart/rollouts';

/** Every decision about a rollout, oldest first, with its evidence. */
@Injectable()
export class ListRolloutDecisions {
  constructor(private readonly rollouts: RolloutRepository) {}

  async execute({ rolloutId }: { rolloutId: string }): Promise<RolloutDecisionRecord[]> {
    if (!(await this.rollouts.find(rolloutId))) throw rolloutNotFound();
    return this.rollouts.decisions(rolloutId);
  }
}
