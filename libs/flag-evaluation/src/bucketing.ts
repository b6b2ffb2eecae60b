import { murmur3X86Hash32 } from './murmur3';

/**
 * Sticky bucketing, the same arithmetic as Unleash's SDKs so that a user lands in the same bucket
 * here as in any Unleash client: `murmur3("<groupId>:<stickinessValue>", seed) % modulus + 1`.
 */

/** Unleash's seed for the rollout percentage (`normalizedStrategyValue`). */
export const ROLLOUT_SEED = 0;
/** Unleash's seed for the variant choice (`normalizedVariantValue`), so the two draws are independent. */
export const VARIANT_SEED = 86_028_157;

/** A bucket in 1..modulus for `stickinessValue` within `groupId`. */
export function bucketOf(groupId: string, stickinessValue: string, seed: number, modulus: number): number {
  return (murmur3X86Hash32(`${groupId}:${stickinessValue}`, seed) % modulus) + 1;
}

/** Whether a rollout of `percentage` (0–100) includes this stickiness value; 0 % includes no one. */
export function inRollout(groupId: string, stickinessValue: string, percentage: number): boolean {
  return percentage > 0 && bucketOf(groupId, stickinessValue, ROLLOUT_SEED, 100) <= percentage;
}

export interface WeightedVariant {
  variant: string;
  weight: number;
}

/**
 * The variant of a weighted split this stickiness value falls in: the first whose running total
 * of weights reaches the bucket, skipping zero weights, as Unleash's `selectVariantDefinition`.
 * Undefined when the weights add up to nothing.
 */
export function pickVariant(
  groupId: string,
  stickinessValue: string,
  split: readonly WeightedVariant[],
): string | undefined {
  const total = split.reduce((sum, entry) => sum + entry.weight, 0);
  if (total <= 0) return undefined;
  const target = bucketOf(groupId, stickinessValue, VARIANT_SEED, total);
  let reached = 0;
  for (const entry of split) {
    if (entry.weight <= 0) continue;
    reached += entry.weight;
    if (reached >= target) return entry.variant;
  }
  return undefined;
}
