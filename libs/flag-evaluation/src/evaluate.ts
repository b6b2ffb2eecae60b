import { inRollout, pickVariant } from './bucketing';
import type { Segment } from './condition-schema';
import { conditionHolds, type ConditionScope } from './conditions';
import { FlagConfigurationError, parsedFlag } from './configuration-check';
import { attributeOf, checkEvaluationContext, type EvaluationContext } from './evaluation-context';
import type { Flag, Prerequisite, Rule } from './flag-schema';
import type { FlagSetSnapshot } from './flag-set-schema';
import type { FlagType, FlagValue } from './flag-value';

/** Why a value was served, in OpenFeature's words. */
export const EVALUATION_REASONS = [
  'STATIC',
  'DEFAULT',
  'TARGETING_MATCH',
  'SPLIT',
  'DISABLED',
  'ERROR',
] as const;
export type EvaluationReason = (typeof EVALUATION_REASONS)[number];

/** Why nothing was served, with OpenFeature's and OFREP's codes. */
export const EVALUATION_ERROR_CODES = [
  'FLAG_NOT_FOUND',
  'TYPE_MISMATCH',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'PARSE_ERROR',
  'GENERAL',
] as const;
export type EvaluationErrorCode = (typeof EVALUATION_ERROR_CODES)[number];

/** The attribute rules bucket on unless they name another. */
export const DEFAULT_STICKINESS = 'targetingKey';

export type FlagMetadata = Flag['metadata'];

export interface ResolvedEvaluation {
  key: string;
  value: FlagValue;
  variant: string;
  reason: Exclude<EvaluationReason, 'ERROR'>;
  errorCode?: undefined;
  errorDetails?: undefined;
  metadata: FlagMetadata;
}

export interface FailedEvaluation {
  key: string;
  value: null;
  variant: null;
  reason: 'ERROR';
  errorCode: EvaluationErrorCode;
  errorDetails: string;
  metadata: FlagMetadata;
}

export type EvaluationResult = ResolvedEvaluation | FailedEvaluation;

export interface EvaluateOptions {
  /** The type the caller asks for; a flag of another type answers TYPE_MISMATCH. */
  expectedType?: FlagType;
  /** The caller's clock, for the date operators on `currentTime`; this lib reads no clock. */
  now?: Date;
  /** Answer TARGETING_KEY_MISSING instead of evaluating a context without a targeting key. */
  requireTargetingKey?: boolean;
}

interface Served {
  variant: string;
  reason: ResolvedEvaluation['reason'];
}

/** Everything one evaluation reads besides the flag. */
interface EvaluationScope extends ConditionScope {
  flags: Readonly<Record<string, unknown>>;
}

function failure(
  key: string,
  errorCode: EvaluationErrorCode,
  errorDetails: string,
  metadata: FlagMetadata = {},
): FailedEvaluation {
  return { key, value: null, variant: null, reason: 'ERROR', errorCode, errorDetails, metadata };
}

function failureOf(key: string, error: unknown): FailedEvaluation {
  if (error instanceof FlagConfigurationError) return failure(key, 'PARSE_ERROR', error.message);
  return failure(key, 'GENERAL', 'the flag could not be evaluated');
}

/** The stickiness attribute as hashed text; undefined when the context has none to bucket on. */
function stickinessValueOf(context: EvaluationContext, attribute: string): string | undefined {
  const value = attributeOf(context, attribute);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a rule serves to this context, or undefined when it does not apply. The stickiness value is
 * needed only where the outcome depends on it (a rollout between 0 and 100 %, a split among two or
 * more weighted variants); a context without it is then not bucketed at random, as Unleash's
 * `default` stickiness would: the rule does not apply, and evaluation goes on to the next one.
 */
function servedByRule(key: string, rule: Rule, scope: ConditionScope): Served | undefined {
  if (!rule.conditions.every((condition) => conditionHolds(condition, scope))) return undefined;
  const groupId = rule.groupId ?? key;
  const stickinessValue = stickinessValueOf(scope.context, rule.stickiness ?? DEFAULT_STICKINESS);
  const rollout = rule.rollout ?? 100;
  let bucketed = false;
  if (rollout < 100) {
    if (stickinessValue === undefined || !inRollout(groupId, stickinessValue, rollout)) return undefined;
    bucketed = true;
  }
  const { split, variant } = rule.serve;
  if (split !== undefined) {
    const weighted = split.filter((entry) => entry.weight > 0);
    if (weighted.length === 1 && weighted[0] !== undefined) {
      return { variant: weighted[0].variant, reason: bucketed ? 'SPLIT' : 'TARGETING_MATCH' };
    }
    if (stickinessValue === undefined) return undefined;
    const picked = pickVariant(groupId, stickinessValue, split);
    if (picked === undefined) throw new FlagConfigurationError(`a split of flag "${key}" has no weight`);
    return { variant: picked, reason: 'SPLIT' };
  }
  if (variant === undefined) throw new FlagConfigurationError(`a rule of flag "${key}" serves nothing`);
  return { variant, reason: bucketed ? 'SPLIT' : 'TARGETING_MATCH' };
}

/** The flag's own targeting, prerequisites aside. */
function servedByTargeting(key: string, flag: Flag, scope: ConditionScope): Served {
  if (!flag.enabled) return { variant: flag.offVariant, reason: 'DISABLED' };
  if (flag.rules.length === 0) return { variant: flag.defaultVariant, reason: 'STATIC' };
  for (const rule of flag.rules) {
    const served = servedByRule(key, rule, scope);
    if (served !== undefined) return served;
  }
  return { variant: flag.defaultVariant, reason: 'DEFAULT' };
}

/**
 * Whether a prerequisite holds for this context. A parent is on when it targets the context (its
 * reason is STATIC, TARGETING_MATCH or SPLIT); disabled, or enabled with no rule matching
 * (DEFAULT), it is off, as an Unleash parent whose strategies all fail. A parent that is missing,
 * archived or has prerequisites of its own (one level only, so no cycle is ever followed) holds
 * for nothing, as Unleash's spec 17 has it. A parent whose configuration cannot be read makes the
 * child answer PARSE_ERROR: the caller's default is safer than guessing either way.
 */
function prerequisiteHolds(prerequisite: Prerequisite, scope: EvaluationScope): boolean {
  if (!Object.hasOwn(scope.flags, prerequisite.flag)) return false;
  const parent = parsedFlag(scope.flags[prerequisite.flag], prerequisite.flag);
  if (parent.archived || parent.prerequisites.length > 0) return false;
  const served = servedByTargeting(prerequisite.flag, parent, scope);
  const on = served.reason === 'STATIC' || served.reason === 'TARGETING_MATCH' || served.reason === 'SPLIT';
  if (!prerequisite.enabled) return !on;
  return on && (prerequisite.variants === undefined || prerequisite.variants.includes(served.variant));
}

function served(key: string, flag: Flag, scope: EvaluationScope): Served {
  // A child whose prerequisites fail is off, as an Unleash child of a disabled parent.
  if (flag.enabled && !flag.prerequisites.every((prerequisite) => prerequisiteHolds(prerequisite, scope))) {
    return { variant: flag.offVariant, reason: 'DISABLED' };
  }
  return servedByTargeting(key, flag, scope);
}

function evaluateFlag(
  key: string,
  flag: Flag,
  scope: EvaluationScope,
  options: EvaluateOptions,
): EvaluationResult {
  const metadata = { ...flag.metadata };
  if (options.expectedType !== undefined && options.expectedType !== flag.type) {
    return failure(
      key,
      'TYPE_MISMATCH',
      `flag "${key}" is of type ${flag.type}, not ${options.expectedType}`,
      metadata,
    );
  }
  if (
    options.requireTargetingKey === true &&
    stickinessValueOf(scope.context, 'targetingKey') === undefined
  ) {
    return failure(key, 'TARGETING_KEY_MISSING', 'the evaluation context has no targetingKey', metadata);
  }
  const { variant, reason } = served(key, flag, scope);
  if (!Object.hasOwn(flag.variants, variant)) {
    return failure(
      key,
      'PARSE_ERROR',
      `flag "${key}" serves "${variant}", which is not one of its variants`,
      metadata,
    );
  }
  return { key, value: flag.variants[variant] as FlagValue, variant, reason, metadata };
}

function recordOf(value: unknown, what: string): Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FlagConfigurationError(`the snapshot's ${what} are not an object`);
  }
  return value as Record<string, unknown>;
}

function scopeOf(
  snapshot: FlagSetSnapshot,
  context: EvaluationContext,
  now: Date | undefined,
): EvaluationScope {
  const raw = snapshot as unknown;
  if (raw === null || typeof raw !== 'object')
    throw new FlagConfigurationError('the snapshot is not an object');
  const flags = recordOf(snapshot.flags, 'flags');
  // Segments may be left out of a snapshot that has none.
  const segments = snapshot.segments === undefined ? {} : recordOf(snapshot.segments, 'segments');
  return { flags, segments: segments as Readonly<Record<string, Segment>>, context, now };
}

/**
 * Evaluates one flag for a context: deterministic, and total (any input gives a result, never a
 * throw). In order: a context that is not valid answers INVALID_CONTEXT; a flag that is missing or
 * archived FLAG_NOT_FOUND; a configuration that cannot be followed PARSE_ERROR; a type other than
 * the one asked for TYPE_MISMATCH. Otherwise: disabled, or a prerequisite failing, serves
 * `offVariant` (DISABLED); no rules serves `defaultVariant` (STATIC); the first rule that applies
 * serves its variant or split, as SPLIT when a hash decided (a rollout under 100 %, or a split among
 * two or more weighted variants) and TARGETING_MATCH otherwise; none serves `defaultVariant` (DEFAULT).
 */
export function evaluate(
  snapshot: FlagSetSnapshot,
  key: string,
  context: unknown,
  options: EvaluateOptions = {},
): EvaluationResult {
  try {
    const checked = checkEvaluationContext(context);
    if (!checked.ok) return failure(key, 'INVALID_CONTEXT', checked.details);
    const scope = scopeOf(snapshot, checked.context, options.now);
    if (typeof key !== 'string' || !Object.hasOwn(scope.flags, key)) {
      return failure(String(key), 'FLAG_NOT_FOUND', `there is no flag "${String(key)}"`);
    }
    const flag = parsedFlag(scope.flags[key], key);
    if (flag.archived) return failure(key, 'FLAG_NOT_FOUND', `flag "${key}" is archived`);
    return evaluateFlag(key, flag, scope, options);
  } catch (error) {
    return failureOf(String(key), error);
  }
}

export type BulkEvaluation =
  | { ok: true; version: number; flags: EvaluationResult[] }
  | { ok: false; errorCode: EvaluationErrorCode; errorDetails: string };

/** Keeps the flags client-side SDKs may see. */
export function clientVisibleOnly(flag: Flag): boolean {
  return flag.clientVisible;
}

/**
 * Evaluates every flag of the set that is not archived and passes `filter`, in key order, for one
 * context: what OFREP's bulk evaluation answers. A context that is not valid, or a snapshot with
 * no flags to read, fails the whole call; anything else fails only its own flag. A flag whose
 * configuration cannot be read is listed as PARSE_ERROR only when there is no filter: with one it
 * is left out, since whether it passes cannot be known and a client must not learn its key.
 */
export function evaluateAll(
  snapshot: FlagSetSnapshot,
  context: unknown,
  filter?: (flag: Flag) => boolean,
  options: Omit<EvaluateOptions, 'expectedType'> = {},
): BulkEvaluation {
  try {
    const checked = checkEvaluationContext(context);
    if (!checked.ok) return { ok: false, errorCode: 'INVALID_CONTEXT', errorDetails: checked.details };
    const scope = scopeOf(snapshot, checked.context, options.now);
    const version: unknown = snapshot.version;
    if (typeof version !== 'number') throw new FlagConfigurationError('the snapshot has no version');
    const results: EvaluationResult[] = [];
    for (const key of Object.keys(scope.flags).sort()) {
      let flag: Flag;
      try {
        flag = parsedFlag(scope.flags[key], key);
      } catch (error) {
        if (filter === undefined) results.push(failureOf(key, error));
        continue;
      }
      if (flag.archived || (filter !== undefined && !filter(flag))) continue;
      try {
        results.push(evaluateFlag(key, flag, scope, options));
      } catch (error) {
        results.push(failureOf(key, error));
      }
    }
    return { ok: true, version, flags: results };
  } catch (error) {
    const failed = failureOf('', error);
    return { ok: false, errorCode: failed.errorCode, errorDetails: failed.errorDetails };
  }
}
