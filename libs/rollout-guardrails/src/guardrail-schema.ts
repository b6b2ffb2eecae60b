import { keySchema } from '@rampart/flag-evaluation';
import { z } from 'zod';
import { MAX_PROMQL_LENGTH, promqlTemplateProblems } from './promql-template';
import { LATENCY_BUCKET_BOUNDS_MS } from './telemetry';
import { CONFIDENCE_LEVELS } from './wilson';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Windows, durations and holds: at least a second (telemetry comes in buckets of seconds), at most a
 * week (a rollout stage that needs longer is a release plan, and the telemetry kept for it is bounded).
 */
export const MIN_DURATION_MS = SECOND_MS;
export const MAX_DURATION_MS = 7 * DAY_MS;
/** A sample size no stage reaches is a guardrail that can never conclude. */
export const MAX_MIN_SAMPLES = 1e9;
/** Well above any process a flag rollout can be about, well below where counts lose precision. */
export const MAX_MEMORY_THRESHOLD_BYTES = 2 ** 44;

export const durationSchema = z.number().int().min(MIN_DURATION_MS).max(MAX_DURATION_MS);

const confidenceSchema = z
  .union(CONFIDENCE_LEVELS.map((level) => z.literal(level)))
  .default(0.95)
  .describe('one-sided confidence of the Wilson bound');

const rateFields = {
  windowMs: durationSchema,
  /** How long the guardrail must stay breaching before the rollout rolls back. */
  forMs: durationSchema,
  /** Target requests in the window below which the guardrail is insufficient, neither healthy nor breaching. */
  minSamples: z.number().int().min(1).max(MAX_MIN_SAMPLES),
  confidence: confidenceSchema,
};

/** A share strictly between 0 and 1: 0 would breach on any error, 1 never. */
const shareSchema = z.number().gt(0).lt(1);

export const errorRateGuardrailSchema = z.strictObject({
  id: keySchema,
  kind: z.literal('error_rate'),
  /** The highest acceptable error rate, as a fraction (0.01 for 1 %). */
  threshold: shareSchema,
  ...rateFields,
});

export const latencyGuardrailSchema = z.strictObject({
  id: keySchema,
  kind: z.literal('latency'),
  quantile: z.number().min(0.5).max(0.999).default(0.95),
  thresholdMs: z.number().refine((ms) => (LATENCY_BUCKET_BOUNDS_MS as readonly number[]).includes(ms), {
    error: `must be one of the latency bucket bounds (${LATENCY_BUCKET_BOUNDS_MS.join(', ')} ms)`,
  }),
  ...rateFields,
});

export const memoryGuardrailSchema = z.strictObject({
  id: keySchema,
  kind: z.literal('memory'),
  thresholdBytes: z.number().int().min(1).max(MAX_MEMORY_THRESHOLD_BYTES),
  windowMs: durationSchema,
  forMs: durationSchema,
});

/** Any uncaught exception in the target variant since the stage started: no window, no duration. */
export const exceptionsGuardrailSchema = z.strictObject({
  id: keySchema,
  kind: z.literal('exceptions'),
});

/** A PromQL template: bounded, with `{{variant}}` and no variable the worker does not fill in. */
const promqlTemplateSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_PROMQL_LENGTH)
  .superRefine((query, issues) => {
    for (const message of promqlTemplateProblems(query)) issues.addIssue({ code: 'custom', message });
  });

export const PROMETHEUS_BREACH_DIRECTIONS = ['above', 'below'] as const;

/**
 * A figure from the operator's own Prometheus, one per variant: the instant query is rendered for the
 * target and for the control, over the window and over the stage (see promql-template.ts).
 */
export const prometheusGuardrailSchema = z
  .strictObject({
    id: keySchema,
    kind: z.literal('prometheus'),
    /** PromQL giving one number per variant, e.g. the variant's error share over `{{window}}`. */
    query: promqlTemplateSchema,
    threshold: z.number(),
    /** Which side of the threshold is bad: `above` for error rates and latencies, `below` for success rates. */
    breachWhen: z.enum(PROMETHEUS_BREACH_DIRECTIONS).default('above'),
    windowMs: durationSchema,
    forMs: durationSchema,
    /** PromQL giving the variant's sample size (requests) over `{{window}}`, checked against minSamples. */
    samplesQuery: promqlTemplateSchema.optional(),
    minSamples: z.number().int().min(1).max(MAX_MIN_SAMPLES).optional(),
  })
  .superRefine((guardrail, issues) => {
    // One without the other either never checks a sample size or checks it against nothing.
    if (guardrail.samplesQuery !== undefined && guardrail.minSamples === undefined) {
      issues.addIssue({ code: 'custom', path: ['minSamples'], message: 'is required with samplesQuery' });
    }
    if (guardrail.minSamples !== undefined && guardrail.samplesQuery === undefined) {
      issues.addIssue({ code: 'custom', path: ['samplesQuery'], message: 'is required with minSamples' });
    }
  });

export const guardrailSchema = z.discriminatedUnion('kind', [
  errorRateGuardrailSchema,
  latencyGuardrailSchema,
  memoryGuardrailSchema,
  exceptionsGuardrailSchema,
  prometheusGuardrailSchema,
]);

export type ErrorRateGuardrail = z.output<typeof errorRateGuardrailSchema>;
export type LatencyGuardrail = z.output<typeof latencyGuardrailSchema>;
export type MemoryGuardrail = z.output<typeof memoryGuardrailSchema>;
export type ExceptionsGuardrail = z.output<typeof exceptionsGuardrailSchema>;
export type PrometheusGuardrail = z.output<typeof prometheusGuardrailSchema>;
export type PrometheusBreachDirection = (typeof PROMETHEUS_BREACH_DIRECTIONS)[number];
export type Guardrail = z.output<typeof guardrailSchema>;
/** The guardrails judged from the telemetry Rampart stores (all but prometheus). */
export type TelemetryGuardrail = Exclude<Guardrail, PrometheusGuardrail>;
export type GuardrailKind = Guardrail['kind'];
export const GUARDRAIL_KINDS = [
  'error_rate',
  'latency',
  'memory',
  'exceptions',
  'prometheus',
] as const satisfies readonly GuardrailKind[];

/** At most this many guardrails per stage: each is a line a person reads in the decision's evidence. */
export const MAX_GUARDRAILS = 20;

/** A stage's guardrails: at least one (a stage without any would advance on time alone), ids unique. */
export const guardrailListSchema = z
  .array(guardrailSchema)
  .min(1)
  .max(MAX_GUARDRAILS)
  .superRefine((guardrails, issues) => {
    const seen = new Set<string>();
    guardrails.forEach((guardrail, index) => {
      if (seen.has(guardrail.id)) {
        issues.addIssue({ code: 'custom', path: [index, 'id'], message: `"${guardrail.id}" appears twice` });
      }
      seen.add(guardrail.id);
    });
  });
