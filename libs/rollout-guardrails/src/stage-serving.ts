// What a flag serves at each point of a rollout, pure: the flag before the rollout (the control) plus
// at most two rules put in front of its own, and back. The API and the worker write what comes back
// through FlagSets.commit; nothing here reads or writes the flag set.
import { isDeepStrictEqual } from 'node:util';
import type { Flag, Rule } from '@rampart/flag-evaluation';
import type { RolloutStage } from './rollout-plan';

/** The part of a flag that decides what it serves; what a running rollout owns and a rollback restores. */
export const SERVING_FIELDS = ['variants', 'offVariant', 'defaultVariant', 'rules', 'prerequisites'] as const;

export interface RolloutTarget {
  rolloutId: string;
  targetVariant: string;
}

/**
 * The bucketing group of a rollout's percentage rule. Its own group (not the flag key) so that the
 * hash does not line up with other percentage rules of the flag, and the same for every stage so that
 * raising 1 % → 25 % keeps the first 1 % in: Unleash's bucket is `hash(group:value) % 100 + 1`, in at
 * p % when it is ≤ p.
 */
export function rolloutGroupId(rolloutId: string): string {
  return `rollout:${rolloutId}`;
}

/** Whether the rule is one a rollout put in front of the flag's own rules (segments or percentage). */
export function isRolloutRule(rule: Rule, rolloutId: string): boolean {
  return rule.groupId === rolloutGroupId(rolloutId);
}

/** The flag without the rollout's rules: what it served before the rollout, edits since included. */
export function withoutRolloutRules(flag: Flag, rolloutId: string): Flag {
  return { ...flag, rules: flag.rules.filter((rule) => !isRolloutRule(rule, rolloutId)) };
}

/**
 * The flag as the stage serves it: the segments' members, then `percentage` % of everyone else
 * (bucketed on `targetingKey`), get the target variant; everything else falls through to the flag's
 * own rules and default. `flag` is the flag as it is now (the control, or a previous stage of the same
 * rollout: its rules are replaced, not stacked). Percentages are whole numbers, as rules take them.
 */
export function servingAtStage(
  flag: Flag,
  target: RolloutTarget,
  stage: Pick<RolloutStage, 'percentage' | 'segments'>,
): Flag {
  if (!Number.isInteger(stage.percentage) || stage.percentage < 0 || stage.percentage > 100) {
    throw new RangeError(`a stage's percentage must be a whole number 0–100, not ${stage.percentage}`);
  }
  const groupId = rolloutGroupId(target.rolloutId);
  const serve = { variant: target.targetVariant };
  const rules: Rule[] = [];
  if (stage.segments.length > 0) {
    rules.push({
      description: `rollout ${target.rolloutId}: segments`,
      conditions: [{ operator: 'in_segment', values: [...stage.segments] }],
      serve,
      // Not bucketed (no rollout); the group only marks the rule as the rollout's.
      groupId,
    });
  }
  if (stage.percentage > 0) {
    rules.push({
      description: `rollout ${target.rolloutId}: ${stage.percentage} %`,
      conditions: [],
      rollout: stage.percentage,
      serve,
      groupId,
    });
  }
  const own = withoutRolloutRules(flag, target.rolloutId);
  return { ...own, rules: [...rules, ...own.rules] };
}

/**
 * The flag once the rollout is complete (its last stage serves the target to 100 %): the target as
 * the default and no rules. The same serving as the last stage, whose unconditional 100 % rule
 * shadowed every rule after it, with nothing left for a person to clean up.
 */
export function servingWhenComplete(flag: Flag, target: RolloutTarget): Flag {
  return { ...flag, defaultVariant: target.targetVariant, rules: [] };
}

/**
 * The flag with its serving restored from the control (the flag before the rollout started): the
 * rollback. Only the serving fields are taken from the control; name, owner, description, tags and
 * the kill switch stay as they are now (a flag switched off during the rollout stays off).
 */
export function servingRestored(flag: Flag, control: Flag): Flag {
  const restored: Flag = { ...flag };
  for (const field of SERVING_FIELDS) Object.assign(restored, { [field]: structuredClone(control[field]) });
  return restored;
}

/** Whether the edit from `before` to `after` changes what the flag serves (not only its description). */
export function changesServing(before: Flag, after: Flag): boolean {
  return SERVING_FIELDS.some((field) => !isDeepStrictEqual(before[field], after[field]));
}
