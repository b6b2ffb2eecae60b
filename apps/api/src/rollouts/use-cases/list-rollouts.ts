import { Injectable } from '@nestjs/common';
import {
  type RolloutDecisionRecord,
  type Rollout,
  type RolloutListQuery,
  RolloutRepository,
} from '@rampart/db';

export type ListRolloutsInput = RolloutListQuery;

export interface RolloutPage {
  items: { rollout: Rollout; lastDecision: RolloutDecisionRecord | null }[];
  total: number;
}

/** Rollouts, newest first, each with its last decision. */
@Injectable()
export class ListRollouts {
  constructor(private readonly rollouts: RolloutRepository) {}

  async execute(input: ListRolloutsInput): Promise<RolloutPage> {
    const { items, total } = await this.rollouts.list(input);
    const last = await this.rollouts.lastDecisions(items.map((rollout) => rollout.id));
    return {
      items: items.map((rollout) => ({ rollout, lastDecision: last.get(rollout.id) ?? null })),
      total,
    };
  }
}
