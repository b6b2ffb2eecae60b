// The decision logic of canary rollouts that roll themselves back, pure: telemetry buckets of the
// target and control variants (and the figures of Prometheus guardrails' queries) in, a decision with
// its evidence out. No I/O and no clock: the API and
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
  assessPrometheusGuardrail,
  prometheusSpans,
  type ExternalReadings,
  type PrometheusGuardrailReadings,
  type PrometheusReading,
  type PrometheusReadings,
} from './assess-prometheus';
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
  PROMETHEUS_BREACH_DIRECTIONS,
  prometheusGuardrailSchema,
  SECOND_MS,
  type ErrorRateGuardrail,
  type ExceptionsGuardrail,
  type Guardrail,
  type GuardrailKind,
  type LatencyGuardrail,
  type MemoryGuardrail,
  type PrometheusBreachDirection,
  type PrometheusGuardrail,
  type TelemetryGuardrail,
} from './guardrail-schema';
export {
  escapePromqlString,
  MAX_PROMQL_LENGTH,
  PROMQL_TEMPLATE_VARIABLES,
  promqlDuration,
  promqlTemplateProblems,
  renderPromql,
  usesWindow,
  type PromqlTemplateVariable,
  type PromqlValues,
} from './promql-template';
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
