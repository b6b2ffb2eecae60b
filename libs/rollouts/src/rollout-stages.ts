import type { RolloutPlan, RolloutStage } from '@rampart/rollout-guardrails';

/** A stage as people name it: `stage 2 (25 %)`, `stage 1 (0 %, segments beta-testers)`. */
export function describeStage(plan: RolloutPlan, index: number): string {
  const stage = plan.stages[index];
  if (!stage) return `stage ${index + 1}`;
  const segments = stage.segments.length ? `, segments ${stage.segments.join(', ')}` : '';
  return `stage ${index + 1} (${stage.percentage} %${segments})`;
}

export function stageAt(plan: RolloutPlan, index: number): RolloutStage {
  const stage = plan.stages[index];
  if (!stage) throw new RangeError(`the plan has no stage ${index + 1}`);
  return stage;
}
