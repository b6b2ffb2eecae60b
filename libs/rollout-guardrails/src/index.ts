// The decision logic of canary rollouts that roll themselves back, pure: telemetry buckets of the
// target and control variants in, a decision with its evidence out. No I/O and no clock: the API and
// the worker bring the time, the telemetry and the previous state, and store what comes back.
export {
  assessGuardrail,
  GUARDRAIL_STATUSES,
  type Assessment,
  type ControlMeasurement,
  type GuardrailStatus,
  type Measurement,
} from './assess-guardrail';
export {
  evaluateRollout,
  ROLLOUT_DECISIONS,
  type GuardrailEvidence,
  type GuardrailState,
  type RolloutDecision,
  type RolloutEvaluation,
  type RolloutEvaluationInput,
  type RolloutState,
  type StageTiming,
} from './evaluate-rollout';
export {
  DAY_MS,
  durationSchema,
  errorRateGuardrailSchema,
  exceptionsGuardrailSchema,
  GUARDRAIL_KINDS,
  guardrailListSchema,
  guardrailSchema,
  HOUR_MS,
  latencyGuardrailSchema,
  MAX_DURATION_MS,
  MAX_GUARDRAILS,
  MAX_MEMORY_THRESHOLD_BYTES,
  MAX_MIN_SAMPLES,
  memoryGuardrailSchema,
  MIN_DURATION_MS,
  MINUTE_MS,
  SECOND_MS,
  type ErrorRateGuardrail,
  type ExceptionsGuardrail,
  type Guardrail,
  type GuardrailKind,
  type LatencyGuardrail,
  type MemoryGuardrail,
} from './guardrail-schema';
export {
  MAX_EXTENSIONS,
  MAX_STAGE_SEGMENTS,
  MAX_STAGES,
  rolloutPlanSchema,
  rolloutStageSchema,
  SEED_MEMORY_THRESHOLD_BYTES,
  seedGuardrails,
  seedPlan,
  type RolloutPlan,
  type RolloutStage,
} from './rollout-plan';
export {
  estimateQuantileMs,
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  slowerThan,
  telemetryBucketSchema,
  totalsOver,
  type TelemetryBucket,
  type TelemetryTotals,
} from './telemetry';
export {
  CONFIDENCE_LEVELS,
  oneSidedZ,
  samplesToShowBelow,
  wilsonInterval,
  type Confidence,
  type WilsonInterval,
} from './wilson';
export {
  changesServing,
  isRolloutRule,
  rolloutGroupId,
  SERVING_FIELDS,
  servingAtStage,
  servingRestored,
  servingWhenComplete,
  withoutRolloutRules,
  type RolloutTarget,
} from './stage-serving';
