import type { BlockList } from 'node:net';
import { SemVer } from 'semver';
import type { Condition, Segment } from './condition-schema';
import { FlagConfigurationError, parsedSegment } from './configuration-check';
import { parseDecimalNumber } from './decimal-number';
import { attributeOf, type ContextValue, type EvaluationContext } from './evaluation-context';
import { compileIpRanges, ipInRanges } from './ip-ranges';
import { parseIsoInstant } from './iso-instant';
import { parseStrictSemver } from './strict-semver';

/**
 * The attribute the date operators compare with the time of evaluation. When the caller injects
 * `now` (its clock, which a client cannot set), that wins over a `currentTime` the context carries;
 * without it, the context's value is used, as in Unleash.
 */
export const CURRENT_TIME_ATTRIBUTE = 'currentTime';

export interface ConditionScope {
  context: EvaluationContext;
  segments: Readonly<Record<string, Segment>>;
  now?: Date;
}

/** A condition value as an ordering operator compares it: a number, an instant, a version, or unusable. */
type Operand = number | bigint | SemVer | undefined;

/** Per-condition lookups built once per condition object: value sets, IP ranges and parsed operands. */
interface Compiled {
  values?: Set<string>;
  ranges?: BlockList;
  operands?: readonly Operand[];
  /** The values as the string operators compare them (lower-cased when case-insensitive). */
  texts?: readonly string[];
}
const compiledConditions = new WeakMap<Condition, Compiled>();

function compiled(condition: Condition): Compiled {
  let entry = compiledConditions.get(condition);
  if (entry === undefined) {
    entry = {};
    compiledConditions.set(condition, entry);
  }
  return entry;
}

function valueSet(condition: Condition): Set<string> {
  const entry = compiled(condition);
  entry.values ??= new Set(condition.caseInsensitive ? condition.values.map(lower) : condition.values);
  return entry.values;
}

function lower(text: string): string {
  return text.toLowerCase();
}

/** The attribute as text for the string operators: numbers and booleans as JSON writes them. */
function textsOf(value: Exclude<ContextValue, null>): readonly string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return value;
}

function stringOperatorHolds(condition: Condition, value: Exclude<ContextValue, null>): boolean {
  const fold = condition.caseInsensitive === true ? lower : (text: string): string => text;
  const texts = textsOf(value).map(fold);
  if (condition.operator === 'in' || condition.operator === 'not_in') {
    const values = valueSet(condition);
    const found = texts.some((text) => values.has(text));
    return condition.operator === 'in' ? found : !found;
  }
  const entry = compiled(condition);
  const values = (entry.texts ??= condition.values.map(fold));
  const test =
    condition.operator === 'starts_with'
      ? (text: string, affix: string): boolean => text.startsWith(affix)
      : condition.operator === 'ends_with'
        ? (text: string, affix: string): boolean => text.endsWith(affix)
        : (text: string, part: string): boolean => text.includes(part);
  return texts.some((text) => values.some((candidate) => test(text, candidate)));
}

/** One condition value parsed as its ordering operator reads it (undefined: never comparable). */
function parseOperand(operator: Condition['operator'], text: string): Operand {
  switch (operator) {
    case 'num_eq':
    case 'num_lt':
    case 'num_lte':
    case 'num_gt':
    case 'num_gte':
      return parseDecimalNumber(text);
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_gt':
      return parseStrictSemver(text);
    case 'date_before':
    case 'date_after':
      return parseIsoInstant(text);
    default:
      return undefined;
  }
}

/**
 * The condition's values parsed once per condition object: they are the flag set's constants, so
 * only the context's side is parsed per evaluation.
 */
function operandsOf(condition: Condition): readonly Operand[] {
  const entry = compiled(condition);
  entry.operands ??= condition.values.map((text) => parseOperand(condition.operator, text));
  return entry.operands;
}

/** -1, 0 or 1 for the attribute against one parsed condition value; undefined when either is not comparable. */
function comparison(
  condition: Condition,
  value: Exclude<ContextValue, null>,
  right: Operand,
): number | undefined {
  switch (condition.operator) {
    case 'num_eq':
    case 'num_lt':
    case 'num_lte':
    case 'num_gt':
    case 'num_gte': {
      const left =
        typeof value === 'number' ? value : typeof value === 'string' ? parseDecimalNumber(value) : undefined;
      if (left === undefined || typeof right !== 'number') return undefined;
      return Math.sign(left - right);
    }
    case 'semver_eq':
    case 'semver_lt':
    case 'semver_gt': {
      const left = typeof value === 'string' ? parseStrictSemver(value) : undefined;
      if (left === undefined || !(right instanceof SemVer)) return undefined;
      return left.compare(right);
    }
    case 'date_before':
    case 'date_after': {
      const left = typeof value === 'string' ? parseIsoInstant(value) : undefined;
      if (left === undefined || typeof right !== 'bigint') return undefined;
      return left < right ? -1 : left > right ? 1 : 0;
    }
    default:
      return undefined;
  }
}

const ORDER_HOLDS: Partial<Record<Condition['operator'], (order: number) => boolean>> = {
  num_eq: (order) => order === 0,
  num_lt: (order) => order < 0,
  num_lte: (order) => order <= 0,
  num_gt: (order) => order > 0,
  num_gte: (order) => order >= 0,
  semver_eq: (order) => order === 0,
  semver_lt: (order) => order < 0,
  semver_gt: (order) => order > 0,
  date_before: (order) => order < 0,
  date_after: (order) => order > 0,
};

function attributeValue(
  condition: Condition,
  scope: ConditionScope,
): Exclude<ContextValue, null> | undefined {
  const name = condition.attribute;
  if (name === undefined) throw new FlagConfigurationError(`${condition.operator} has no attribute`);
  if (name === CURRENT_TIME_ATTRIBUTE && scope.now !== undefined) {
    // The clock as an RFC 3339 string, so that it goes through the same strict parser as any date.
    return scope.now.toISOString();
  }
  return attributeOf(scope.context, name);
}

function segmentHolds(key: string, scope: ConditionScope): boolean {
  // A segment the set does not have holds for no one, as a missing Unleash segment does.
  if (!Object.hasOwn(scope.segments, key)) return false;
  const segment = parsedSegment(scope.segments[key], key);
  return segment.conditions.every((condition) => conditionHolds(condition, scope, false));
}

function operatorHolds(condition: Condition, scope: ConditionScope, segmentsAllowed: boolean): boolean {
  if (condition.operator === 'in_segment') {
    if (!segmentsAllowed) throw new FlagConfigurationError('a segment refers to another segment');
    return condition.values.some((key) => segmentHolds(key, scope));
  }
  const value = attributeValue(condition, scope);
  // A missing attribute is in no list and matches nothing, so only not_in holds.
  if (value === undefined) return condition.operator === 'not_in';
  switch (condition.operator) {
    case 'in':
    case 'not_in':
    case 'starts_with':
    case 'ends_with':
    case 'contains':
      return stringOperatorHolds(condition, value);
    case 'in_cidr': {
      if (typeof value !== 'string') return false;
      const entry = compiled(condition);
      entry.ranges ??= compileIpRanges(condition.values);
      return ipInRanges(entry.ranges, value);
    }
    default: {
      const holds = ORDER_HOLDS[condition.operator];
      if (holds === undefined)
        throw new FlagConfigurationError(`unknown operator "${String(condition.operator)}"`);
      return operandsOf(condition).some((operand) => {
        const order = comparison(condition, value, operand);
        return order !== undefined && holds(order);
      });
    }
  }
}

/**
 * Whether a condition holds for the context. `inverted` negates the operator's whole result,
 * including its result for a missing or unusable attribute, as Unleash does: an inverted
 * `starts_with` holds for a context without the attribute, an inverted `in` too, and an inverted
 * `not_in` does not.
 */
export function conditionHolds(condition: Condition, scope: ConditionScope, segmentsAllowed = true): boolean {
  const holds = operatorHolds(condition, scope, segmentsAllowed);
  return condition.inverted === true ? !holds : holds;
}
