// Feature-flag evaluation, pure: the model of flags, rules, conditions and segments, its write-time
// validation, and the evaluator, bucketing users as Unleash's SDKs do. No I/O and no clock: the API
// and the worker bring the snapshot, the context and, where dates matter, the time.
export * from './bounds';
export {
  bucketOf,
  inRollout,
  pickVariant,
  ROLLOUT_SEED,
  VARIANT_SEED,
  type WeightedVariant,
} from './bucketing';
export {
  attributeNameSchema,
  conditionSchema,
  DATE_OPERATORS,
  KEY_PATTERN,
  keySchema,
  NUMERIC_OPERATORS,
  OPERATORS,
  RESERVED_KEYS,
  segmentSchema,
  SEMVER_OPERATORS,
  STRING_OPERATORS,
  type Condition,
  type Operator,
  type Segment,
} from './condition-schema';
export { CURRENT_TIME_ATTRIBUTE } from './conditions';
export {
  clientVisibleOnly,
  DEFAULT_STICKINESS,
  evaluate,
  evaluateAll,
  EVALUATION_ERROR_CODES,
  EVALUATION_REASONS,
  type BulkEvaluation,
  type EvaluateOptions,
  type EvaluationErrorCode,
  type EvaluationReason,
  type EvaluationResult,
  type FailedEvaluation,
  type FlagMetadata,
  type ResolvedEvaluation,
} from './evaluate';
export {
  checkEvaluationContext,
  type ContextCheck,
  type ContextValue,
  type EvaluationContext,
} from './evaluation-context';
export { fieldErrorsOf, fieldPath, type FieldErrors } from './field-errors';
export { EXPECTED_LIFETIME_DAYS, FLAG_KINDS, isStale, type FlagKind } from './flag-kinds';
export {
  flagSchema,
  prerequisiteSchema,
  ruleSchema,
  type Flag,
  type Prerequisite,
  type Rule,
} from './flag-schema';
export {
  flagSetSnapshotSchema,
  validateFlagSet,
  type FlagSetSnapshot,
  type FlagSetValidation,
} from './flag-set-schema';
export { FLAG_TYPES, type FlagType, type FlagValue, type JsonObject, type JsonValue } from './flag-value';
export { murmur3X86Hash32, murmur3X86Hash32Bytes } from './murmur3';
