import { z } from 'zod';
import {
  MAX_ATTRIBUTE_NAME_LENGTH,
  MAX_CONDITION_VALUES,
  MAX_CONDITION_VALUE_LENGTH,
  MAX_CONDITIONS,
  MAX_DESCRIPTION_LENGTH,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
} from './bounds';
import { parseDecimalNumber } from './decimal-number';
import { isIpRange } from './ip-ranges';
import { parseIsoInstant } from './iso-instant';
import { parseStrictSemver } from './strict-semver';

/** Keys of flags and segments: lowercase, URL- and log-safe, 1–128 characters. */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Words the admin API routes use beside a key (`/flags/:key/history`), so no flag or segment may be one. */
export const RESERVED_KEYS = ['update', 'rollback', 'history', 'audit'] as const;

export const keySchema = z
  .string()
  .max(MAX_KEY_LENGTH)
  .regex(KEY_PATTERN, 'must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit')
  .refine((key) => !(RESERVED_KEYS as readonly string[]).includes(key), {
    error: `must not be a reserved word (${RESERVED_KEYS.join(', ')})`,
  });

/** Context attribute names, as conditions and stickiness refer to them. */
export const attributeNameSchema = z
  .string()
  .max(MAX_ATTRIBUTE_NAME_LENGTH)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.:-]*$/,
    'must be letters, digits, "_", ".", ":" or "-", not starting with a digit',
  );

/** Operators that compare the attribute as text (and may ignore case). */
export const STRING_OPERATORS = ['in', 'not_in', 'starts_with', 'ends_with', 'contains'] as const;
export const NUMERIC_OPERATORS = ['num_eq', 'num_lt', 'num_lte', 'num_gt', 'num_gte'] as const;
export const SEMVER_OPERATORS = ['semver_eq', 'semver_lt', 'semver_gt'] as const;
export const DATE_OPERATORS = ['date_before', 'date_after'] as const;

export const OPERATORS = [
  ...STRING_OPERATORS,
  ...NUMERIC_OPERATORS,
  ...SEMVER_OPERATORS,
  ...DATE_OPERATORS,
  'in_cidr',
  'in_segment',
] as const;

export type Operator = (typeof OPERATORS)[number];

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** The operators that compare with one value: the check of that value, and what to say when it fails. */
const SINGLE_VALUE_CHECKS: [readonly Operator[], (value: string) => boolean, string][] = [
  [NUMERIC_OPERATORS, (value) => parseDecimalNumber(value) !== undefined, 'must be a decimal number'],
  [
    SEMVER_OPERATORS,
    (value) => parseStrictSemver(value) !== undefined,
    'must be a semantic version (1.2.3, 2.0.0-rc.1; no leading "v")',
  ],
  [
    DATE_OPERATORS,
    (value) => parseIsoInstant(value) !== undefined,
    'must be an ISO 8601 date-time with seconds and an offset (2025-03-01T09:00:00Z, 2025-03-01T10:00:00+01:00)',
  ],
];

/**
 * A condition's shape, which is all the evaluator needs: what it cannot use (an unknown CIDR
 * entry, a value that is not a number) simply does not match. The write-time checks of
 * conditionSchema come on top, so that tightening them never breaks a snapshot already stored.
 */
export const conditionShape = z.strictObject({
  /** The context attribute; not used by `in_segment`, whose values are segment keys. */
  attribute: attributeNameSchema.optional(),
  operator: z.enum(OPERATORS),
  values: z.array(z.string().max(MAX_CONDITION_VALUE_LENGTH)).max(MAX_CONDITION_VALUES),
  /** Negates the operator's result, including its result for a missing attribute. */
  inverted: z.boolean().optional(),
  /** For the string operators: compare lower-cased. */
  caseInsensitive: z.boolean().optional(),
});

type ConditionShape = z.infer<typeof conditionShape>;

function checkCondition(condition: ConditionShape, issues: z.RefinementCtx<ConditionShape>): void {
  const { operator, values } = condition;
  const issue = (path: (string | number)[], message: string): void => {
    issues.addIssue({ code: 'custom', path, message });
  };
  if (values.length === 0) issue(['values'], `${operator} needs at least one value`);
  if (operator === 'in_segment') {
    if (condition.attribute !== undefined)
      issue(['attribute'], 'in_segment takes segment keys, not an attribute');
    values.forEach((value, index) => {
      if (!keySchema.safeParse(value).success) issue(['values', index], 'must be a segment key');
    });
  } else if (condition.attribute === undefined) {
    issue(['attribute'], `${operator} needs the context attribute it compares`);
  }
  if (condition.caseInsensitive !== undefined && !isOneOf(STRING_OPERATORS, operator)) {
    issue(
      ['caseInsensitive'],
      `only the string operators (${STRING_OPERATORS.join(', ')}) compare without case`,
    );
  }
  if (operator === 'starts_with' || operator === 'ends_with' || operator === 'contains') {
    values.forEach((value, index) => {
      if (value === '') issue(['values', index], `an empty value makes ${operator} match every string`);
    });
  }
  if (operator === 'in_cidr') {
    values.forEach((value, index) => {
      if (!isIpRange(value)) issue(['values', index], 'must be an IPv4 or IPv6 address or CIDR range');
    });
  }
  for (const [operators, isValid, message] of SINGLE_VALUE_CHECKS) {
    if (!operators.includes(operator)) continue;
    if (values.length !== 1) issue(['values'], `${operator} compares with exactly one value`);
    values.forEach((value, index) => {
      if (!isValid(value)) issue(['values', index], message);
    });
  }
}

/**
 * One condition of a rule or segment: `attribute operator values`, e.g. `plan in [pro, team]`. The
 * string operators hold when any value matches; the numeric, semver and date operators take one.
 */
export const conditionSchema = conditionShape.superRefine(checkCondition);

export type Condition = z.infer<typeof conditionSchema>;

/** A segment's schema around a condition schema: the write-time one, or the shape the evaluator reads. */
function segmentSchemaOf(condition: typeof conditionShape) {
  return z.strictObject({
    key: keySchema,
    name: z.string().min(1).max(MAX_NAME_LENGTH),
    description: z.string().max(MAX_DESCRIPTION_LENGTH).default(''),
    conditions: z
      .array(
        condition.refine((entry) => entry.operator !== 'in_segment', {
          error: 'a segment cannot refer to other segments',
          path: ['operator'],
        }),
      )
      .min(1)
      .max(MAX_CONDITIONS),
  });
}

/** A named, reusable set of conditions that all must hold; rules use it with `in_segment`. */
export const segmentSchema = segmentSchemaOf(conditionSchema);

/** What the evaluator needs of a segment (see conditionShape). */
export const segmentShape = segmentSchemaOf(conditionShape);

export type Segment = z.infer<typeof segmentSchema>;
