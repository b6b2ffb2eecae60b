/**
 * One-sided Wilson score bounds for a share of failures (errors, or requests slower than a threshold)
 * among n samples. Written here rather than taken from npm: the only package for it is an unmaintained
 * one-function module, and the bound is a few lines whose correctness the spec checks against published
 * values (Newcombe 1998) and against the score test it inverts.
 *
 * Wilson rather than the normal approximation p̂ ± z·√(p̂(1−p̂)/n): that one collapses to [0, 0] when no
 * failure was seen and overshoots 1 on small n, so "0 errors in 5 requests" would look proven healthy.
 */

/** Confidences a guardrail may ask for: a small set keeps the z values exact and reviewable. */
export const CONFIDENCE_LEVELS = [0.9, 0.95, 0.99] as const;
export type Confidence = (typeof CONFIDENCE_LEVELS)[number];

/** One-sided standard normal quantiles Φ⁻¹(confidence), to 16 digits. */
const ONE_SIDED_Z: Record<Confidence, number> = {
  0.9: 1.2815515655446004,
  0.95: 1.6448536269514722,
  0.99: 2.3263478740408408,
};

export function oneSidedZ(confidence: Confidence): number {
  return ONE_SIDED_Z[confidence];
}

export interface WilsonInterval {
  lower: number;
  upper: number;
}

/**
 * The Wilson score interval for `failures` out of `samples` at normal quantile `z` (pass a one-sided z
 * to use either end as a one-sided bound at that confidence). With no samples it is [0, 1]: nothing is known.
 */
export function wilsonInterval(failures: number, samples: number, z: number): WilsonInterval {
  if (!Number.isInteger(failures) || !Number.isInteger(samples) || failures < 0 || failures > samples) {
    throw new RangeError(`wilsonInterval needs integers 0 ≤ failures ≤ samples, got ${failures}/${samples}`);
  }
  if (samples === 0) return { lower: 0, upper: 1 };
  const z2 = z * z;
  const centre = (failures + z2 / 2) / (samples + z2);
  const halfWidth = (z * Math.sqrt((failures * (samples - failures)) / samples + z2 / 4)) / (samples + z2);
  // Exactly 0 with no failure and 1 with nothing but, where rounding would leave ±1e-17.
  return {
    lower: failures === 0 ? 0 : centre - halfWidth,
    upper: failures === samples ? 1 : centre + halfWidth,
  };
}

/**
 * The smallest sample at which a clean run (no failure at all) shows, at `confidence`, that the true
 * share is below `threshold`: the Wilson upper bound of 0/n is z²/(n + z²), below t once n > z²(1 − t)/t.
 * Below this size neither "healthy" nor "breaching" can mean anything, which is why the seed plan uses it
 * as minSamples (268 for 1 % at 95 %, 52 for 5 %).
 */
export function samplesToShowBelow(threshold: number, confidence: Confidence): number {
  if (!(threshold > 0 && threshold < 1))
    throw new RangeError(`threshold must be in (0, 1), got ${threshold}`);
  const z = oneSidedZ(confidence);
  return Math.floor((z * z * (1 - threshold)) / threshold) + 1;
}
