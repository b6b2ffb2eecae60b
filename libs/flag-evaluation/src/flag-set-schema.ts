import { z } from 'zod';
import { MAX_FLAGS, MAX_SEGMENTS } from './bounds';
import { segmentSchema } from './condition-schema';
import { fieldErrorsOf, type FieldErrors } from './field-errors';
import { flagSchema, type Flag } from './flag-schema';

const flagSetShape = z.strictObject({
  /** Increases with every change to the set; evaluators and caches compare it. */
  version: z.number().int().min(0),
  flags: z.record(z.string(), flagSchema).refine((flags) => Object.keys(flags).length <= MAX_FLAGS, {
    error: `must have at most ${MAX_FLAGS} flags`,
  }),
  segments: z
    .record(z.string(), segmentSchema)
    .refine((segments) => Object.keys(segments).length <= MAX_SEGMENTS, {
      error: `must have at most ${MAX_SEGMENTS} segments`,
    })
    .default({}),
});

type FlagSetShape = z.infer<typeof flagSetShape>;
type Issue = (path: (string | number)[], message: string) => void;

/** The prerequisite chain from `start` back to itself, if there is one: ['a', 'b', 'a']. */
function cycleThrough(start: string, flags: FlagSetShape['flags']): string[] | undefined {
  const visit = (key: string, path: string[]): string[] | undefined => {
    const flag = Object.hasOwn(flags, key) ? flags[key] : undefined;
    for (const { flag: parent } of flag?.prerequisites ?? []) {
      if (parent === start) return [...path, parent];
      if (path.includes(parent)) continue;
      const found = visit(parent, [...path, parent]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(start, [start]);
}

function checkPrerequisites(key: string, flag: Flag, flags: FlagSetShape['flags'], issue: Issue): void {
  flag.prerequisites.forEach((prerequisite, index) => {
    const path = ['flags', key, 'prerequisites', index];
    const parent = Object.hasOwn(flags, prerequisite.flag) ? flags[prerequisite.flag] : undefined;
    if (parent === undefined) {
      issue([...path, 'flag'], `there is no flag "${prerequisite.flag}" in the set`);
      return;
    }
    if (parent.archived) issue([...path, 'flag'], `"${prerequisite.flag}" is archived`);
    if (parent.prerequisites.length > 0 && prerequisite.flag !== key) {
      const cycle = cycleThrough(key, flags);
      issue(
        [...path, 'flag'],
        cycle !== undefined
          ? `prerequisites form a cycle: ${cycle.join(' → ')}`
          : `"${prerequisite.flag}" has prerequisites of its own; prerequisites are one level deep`,
      );
    }
    prerequisite.variants?.forEach((variant, variantIndex) => {
      if (!Object.hasOwn(parent.variants, variant)) {
        issue([...path, 'variants', variantIndex], `"${prerequisite.flag}" has no variant "${variant}"`);
      }
    });
  });
}

function checkSegmentReferences(key: string, flag: Flag, set: FlagSetShape, issue: Issue): void {
  flag.rules.forEach((rule, ruleIndex) => {
    rule.conditions.forEach((condition, conditionIndex) => {
      if (condition.operator !== 'in_segment') return;
      condition.values.forEach((segment, valueIndex) => {
        if (!Object.hasOwn(set.segments, segment)) {
          issue(
            ['flags', key, 'rules', ruleIndex, 'conditions', conditionIndex, 'values', valueIndex],
            `there is no segment "${segment}" in the set`,
          );
        }
      });
    });
  });
}

/** What only the whole set can tell: keys that match, and references that lead somewhere. */
function checkFlagSet(set: FlagSetShape, issues: z.RefinementCtx<FlagSetShape>): void {
  const issue: Issue = (path, message) => issues.addIssue({ code: 'custom', path, message });
  for (const [key, segment] of Object.entries(set.segments)) {
    if (segment.key !== key) issue(['segments', key, 'key'], `must equal its key in the set ("${key}")`);
  }
  for (const [key, flag] of Object.entries(set.flags)) {
    if (flag.key !== key) issue(['flags', key, 'key'], `must equal its key in the set ("${key}")`);
    // An archived flag is not evaluated, so what it points at no longer matters.
    if (flag.archived) continue;
    checkPrerequisites(key, flag, set.flags, issue);
    checkSegmentReferences(key, flag, set, issue);
  }
}

/** A whole flag set at one version: what the evaluator reads and what storage hands out. */
export const flagSetSnapshotSchema = flagSetShape.superRefine(checkFlagSet);

export type FlagSetSnapshot = z.infer<typeof flagSetSnapshotSchema>;

export type FlagSetValidation = { ok: true; snapshot: FlagSetSnapshot } | { ok: false; errors: FieldErrors };

/**
 * Validates a flag set as a write would leave it: every flag and segment, then what spans them
 * (prerequisites that exist, are one level deep and form no cycle; segments that exist). Errors
 * come grouped by field path (`flags.checkout.rules[2].conditions[0].operator`).
 */
export function validateFlagSet(input: unknown): FlagSetValidation {
  const parsed = flagSetSnapshotSchema.safeParse(input);
  return parsed.success
    ? { ok: true, snapshot: parsed.data }
    : { ok: false, errors: fieldErrorsOf(parsed.error) };
}
