import { z } from 'zod';
import {
  MAX_CONDITIONS,
  MAX_DESCRIPTION_LENGTH,
  MAX_GROUP_ID_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_STRING_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PREREQUISITES,
  MAX_RULES,
  MAX_SPLIT_TOTAL_WEIGHT,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_VARIANT_NAME_LENGTH,
  MAX_VARIANTS,
} from './bounds';
import { attributeNameSchema, conditionSchema, conditionShape, keySchema } from './condition-schema';
import { FLAG_KINDS } from './flag-kinds';
import { FLAG_TYPES, variantValueProblem } from './flag-value';

const variantNameSchema = z
  .string()
  .max(MAX_VARIANT_NAME_LENGTH)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must be letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

const weightedVariantSchema = z.strictObject({
  variant: variantNameSchema,
  weight: z.number().int().min(0).max(MAX_SPLIT_TOTAL_WEIGHT),
});

/** What a matching rule serves: exactly one of a variant, or a sticky split of variants by weight. */
const serveSchema = z
  .strictObject({
    variant: variantNameSchema.optional(),
    split: z.array(weightedVariantSchema).min(1).max(MAX_VARIANTS).optional(),
  })
  .superRefine((serve, issues) => {
    if ((serve.variant === undefined) === (serve.split === undefined)) {
      issues.addIssue({ code: 'custom', path: [], message: 'must have exactly one of variant or split' });
    }
    if (serve.split === undefined) return;
    const total = serve.split.reduce((sum, entry) => sum + entry.weight, 0);
    if (total <= 0 || total > MAX_SPLIT_TOTAL_WEIGHT) {
      issues.addIssue({
        code: 'custom',
        path: ['split'],
        message: `weights must add up to between 1 and ${MAX_SPLIT_TOTAL_WEIGHT}`,
      });
    }
    const seen = new Set<string>();
    serve.split.forEach((entry, index) => {
      if (seen.has(entry.variant)) {
        issues.addIssue({
          code: 'custom',
          path: ['split', index, 'variant'],
          message: 'appears twice in the split',
        });
      }
      seen.add(entry.variant);
    });
  });

/**
 * An ordered rule: when every condition holds (none: everyone) and the context falls inside the
 * rollout, the rule serves its variant or split. Rollout and split bucket on the `stickiness`
 * attribute (default `targetingKey`) hashed with `groupId` (default the flag key), as Unleash's
 * flexibleRollout strategy does with its `stickiness` and `groupId` parameters.
 */
function ruleSchemaOf(condition: typeof conditionShape) {
  return z.strictObject({
    description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
    conditions: z.array(condition).max(MAX_CONDITIONS).default([]),
    /** Percentage of contexts (0–100, default 100) the rule applies to. */
    rollout: z.number().int().min(0).max(100).optional(),
    serve: serveSchema,
    stickiness: attributeNameSchema.optional(),
    groupId: z
      .string()
      .min(1)
      .max(MAX_GROUP_ID_LENGTH)
      .refine((groupId) => groupId.isWellFormed(), {
        error: 'must be well-formed Unicode (it is hashed as UTF-8)',
      })
      .optional(),
  });
}

export const ruleSchema = ruleSchemaOf(conditionSchema);

/**
 * A flag this one depends on, evaluated with the same context. `enabled: true` (the default) needs
 * the parent on for that context (served by a rule, or statically), and, if `variants` is given,
 * serving one of them; `enabled: false` needs it off (disabled, or no rule matched). As Unleash's
 * dependent features: one level only, and the child is disabled when a prerequisite fails.
 */
export const prerequisiteSchema = z
  .strictObject({
    flag: keySchema,
    enabled: z.boolean().default(true),
    variants: z.array(variantNameSchema).min(1).max(MAX_VARIANTS).optional(),
  })
  .refine((prerequisite) => prerequisite.enabled || prerequisite.variants === undefined, {
    error: 'a parent that must be off serves no variant to ask for',
    path: ['variants'],
  });

const metadataSchema = z
  .record(
    z
      .string()
      .max(MAX_METADATA_KEY_LENGTH)
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-", starting with a letter'),
    z.union([z.string().max(MAX_METADATA_STRING_LENGTH), z.number(), z.boolean()], {
      error: `must be a string (up to ${MAX_METADATA_STRING_LENGTH} characters), a finite number or a boolean`,
    }),
  )
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_ENTRIES, {
    error: `must have at most ${MAX_METADATA_ENTRIES} entries`,
  });

function flagShapeOf(condition: typeof conditionShape) {
  return z.strictObject({
    key: keySchema,
    name: z.string().min(1).max(MAX_NAME_LENGTH),
    description: z.string().max(MAX_DESCRIPTION_LENGTH).default(''),
    owner: z.string().min(1).max(MAX_NAME_LENGTH),
    tags: z.array(z.string().min(1).max(MAX_TAG_LENGTH)).max(MAX_TAGS).default([]),
    kind: z.enum(FLAG_KINDS),
    type: z.enum(FLAG_TYPES),
    /** Variant name → value; every value is of the flag's type. */
    variants: z
      .record(variantNameSchema, z.unknown())
      .refine((variants) => Object.keys(variants).length >= 1, { error: 'must have at least one variant' })
      .refine((variants) => Object.keys(variants).length <= MAX_VARIANTS, {
        error: `must have at most ${MAX_VARIANTS} variants`,
      }),
    /** The kill switch: off serves `offVariant` to everyone (reason DISABLED). */
    enabled: z.boolean(),
    offVariant: variantNameSchema,
    /** Served when the flag is on and no rule matches (reason DEFAULT), or when it has no rules (STATIC). */
    defaultVariant: variantNameSchema,
    rules: z.array(ruleSchemaOf(condition)).max(MAX_RULES).default([]),
    prerequisites: z.array(prerequisiteSchema).max(MAX_PREREQUISITES).default([]),
    /** Whether client-side SDKs (the bulk evaluation for browsers and apps) may see this flag. */
    clientVisible: z.boolean().default(false),
    metadata: metadataSchema.default({}),
    archived: z.boolean().default(false),
  });
}

type FlagShape = z.infer<ReturnType<typeof flagShapeOf>>;

function checkFlag(flag: FlagShape, issues: z.RefinementCtx<FlagShape>): void {
  const issue = (path: (string | number)[], message: string): void => {
    issues.addIssue({ code: 'custom', path, message });
  };
  const known = (variant: string): boolean => Object.hasOwn(flag.variants, variant);
  for (const [name, value] of Object.entries(flag.variants)) {
    const problem = variantValueProblem(flag.type, value);
    if (problem !== undefined) issue(['variants', name], problem);
  }
  for (const field of ['offVariant', 'defaultVariant'] as const) {
    if (!known(flag[field])) issue([field], `must be one of the flag's variants`);
  }
  flag.rules.forEach((rule, ruleIndex) => {
    if (rule.serve.variant !== undefined && !known(rule.serve.variant)) {
      issue(['rules', ruleIndex, 'serve', 'variant'], `must be one of the flag's variants`);
    }
    rule.serve.split?.forEach((entry, entryIndex) => {
      if (!known(entry.variant)) {
        issue(
          ['rules', ruleIndex, 'serve', 'split', entryIndex, 'variant'],
          `must be one of the flag's variants`,
        );
      }
    });
  });
  const parents = new Set<string>();
  flag.prerequisites.forEach((prerequisite, index) => {
    if (prerequisite.flag === flag.key)
      issue(['prerequisites', index, 'flag'], 'a flag cannot be its own prerequisite');
    if (parents.has(prerequisite.flag)) issue(['prerequisites', index, 'flag'], 'is listed twice');
    parents.add(prerequisite.flag);
  });
}

/** A feature flag, as the admin API writes it. */
export const flagSchema = flagShapeOf(conditionSchema).superRefine(checkFlag);

/**
 * What the evaluator needs of a flag: the same, less the write-time checks of each condition's
 * values (see conditionShape), so that a flag stored under older rules still evaluates.
 */
export const flagShape = flagShapeOf(conditionShape).superRefine(checkFlag);

export type Flag = z.infer<typeof flagSchema>;
export type Rule = Flag['rules'][number];
export type Prerequisite = Flag['prerequisites'][number];
