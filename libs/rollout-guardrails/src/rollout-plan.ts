import { keySchema } from '@rampart/flag-evaluation';
import { z } from 'zod';
import { durationSchema, guardrailListSchema, HOUR_MS, MINUTE_MS, type Guardrail } from './guardrail-schema';
import { samplesToShowBelow } from './wilson';

/** Stages per plan: a handful of exposure steps; more is a plan no person follows. */
export const MAX_STAGES = 10;
/** Extensions per stage: past this many a stage that still lacks data needs a person, not more waiting. */
export const MAX_EXTENSIONS = 20;
/** Segments a stage may expose by name (the allowlist): targeting lists belong in one segment. */
export const MAX_STAGE_SEGMENTS = 20;

export const rolloutStageSchema = z
  .strictObject({
    /** Share of all users served the target variant, 0–100. */
    percentage: z.number().min(0).max(100),
    /** Segments served the target variant whatever the percentage: the allowlist. */
    segments: z.array(keySchema).max(MAX_STAGE_SEGMENTS).default([]),
    /** The minimum time the stage lasts before it may advance. */
    holdMs: durationSchema,
    /** How long each extension adds when the hold ends without enough data. */
    extensionMs: durationSchema,
    maxExtensions: z.number().int().min(0).max(MAX_EXTENSIONS),
    /** Wait for a person's approval instead of advancing by itself. */
    requireApproval: z.boolean().default(false),
    guardrails: guardrailListSchema,
  })
  .superRefine((stage, issues) => {
    if (stage.percentage === 0 && stage.segments.length === 0) {
      issues.addIssue({
        code: 'custom',
        path: ['segments'],
        message: 'a stage at 0 % must name the segments it exposes, or nobody gets the target variant',
      });
    }
  });

export const rolloutPlanSchema = z
  .strictObject({ stages: z.array(rolloutStageSchema).min(1).max(MAX_STAGES) })
  .superRefine((plan, issues) => {
    plan.stages.forEach((stage, index) => {
      const previous = index > 0 ? plan.stages[index - 1] : undefined;
      if (previous !== undefined && stage.percentage < previous.percentage) {
        issues.addIssue({
          code: 'custom',
          path: ['stages', index, 'percentage'],
          message: `must not be below the previous stage's ${previous.percentage} %: a rollout only widens`,
        });
      }
    });
    const last = plan.stages[plan.stages.length - 1];
    if (last !== undefined && last.percentage !== 100) {
      issues.addIssue({
        code: 'custom',
        path: ['stages', plan.stages.length - 1, 'percentage'],
        message: 'the last stage must be 100 %: a rollout ends with everyone on the target variant',
      });
    }
  });

export type RolloutStage = z.output<typeof rolloutStageSchema>;
export type RolloutPlan = z.output<typeof rolloutPlanSchema>;

/** 1 GiB, the memory ceiling the seed plan rolls back above. */
export const SEED_MEMORY_THRESHOLD_BYTES = 2 ** 30;

/**
 * The seed guardrails (one set for every stage of the seed plan):
 * - error rate above 1 % and p95 above 2 s, each for 10 minutes, each judged on the last 10 minutes;
 * - memory above 1 GiB for 10 minutes, judged on the last minute (a level needs no long window);
 * - any uncaught exception.
 *
 * minSamples is the smallest sample at which a clean run shows the success criterion at 95 %: the
 * Wilson upper bound of 0 failures in n is z²/(n + z²), below t once n > z²(1 − t)/t, so 268 requests for
 * an error rate under 1 % and 52 for a p95 under 2 s (under 5 % of requests slower than 2 s). Fewer
 * samples cannot show the target healthy, and the same floor keeps a few unlucky requests from rolling
 * back (1 error in 20 has a 95 % lower bound of 1.12 %, over 1 %). At 268 requests a true error rate of
 * 2 % is caught by one evaluation about 45 % of the time, at 1,000 about 85 %: the breach must also last
 * 10 minutes of evaluations, so raise minSamples where traffic allows.
 */
export function seedGuardrails(): Guardrail[] {
  const window = { windowMs: 10 * MINUTE_MS, forMs: 10 * MINUTE_MS, confidence: 0.95 } as const;
  return [
    {
      id: 'error-rate',
      kind: 'error_rate',
      threshold: 0.01,
      minSamples: samplesToShowBelow(0.01, 0.95),
      ...window,
    },
    {
      id: 'p95-latency',
      kind: 'latency',
      quantile: 0.95,
      thresholdMs: 2_000,
      minSamples: samplesToShowBelow(0.05, 0.95),
      ...window,
    },
    {
      id: 'memory',
      kind: 'memory',
      thresholdBytes: SEED_MEMORY_THRESHOLD_BYTES,
      windowMs: MINUTE_MS,
      forMs: 10 * MINUTE_MS,
    },
    { id: 'exceptions', kind: 'exceptions' },
  ];
}

/**
 * The plan a new rollout starts from: the allowlist (its segments only), then 1 %, 25 % and 100 %,
 * holding 30 minutes, 30 minutes and 24 hours; the last stage holds an hour, the time the rollout
 * still watches (and can roll back) at full exposure before it is complete. A stage short of data gets up to four more
 * holds of a quarter of its own (a day's hold: two of six hours), then pauses for a person. The
 * allowlist stage exposes `segments`; the plan is valid only with at least one.
 */
export function seedPlan(allowlist: readonly string[]): RolloutPlan {
  const stage = (
    percentage: number,
    holdMs: number,
    extensions: number,
    segments: readonly string[] = [],
  ) => ({
    percentage,
    segments: [...segments],
    holdMs,
    extensionMs: holdMs / 4,
    maxExtensions: extensions,
    requireApproval: false,
    guardrails: seedGuardrails(),
  });
  return {
    stages: [
      stage(0, 30 * MINUTE_MS, 4, allowlist),
      stage(1, 30 * MINUTE_MS, 4),
      stage(25, 24 * HOUR_MS, 2),
      stage(100, HOUR_MS, 4),
    ],
  };
}
