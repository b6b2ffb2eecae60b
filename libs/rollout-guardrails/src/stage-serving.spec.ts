import { evaluate, validateFlagSet, type Flag, type FlagSetSnapshot } from '@rampart/flag-evaluation';
import fc from 'fast-check';
import {
  changesServing,
  rolloutGroupId,
  servingAtStage,
  servingRestored,
  servingWhenComplete,
  withoutRolloutRules,
} from './stage-serving';

const ROLLOUT_ID = '0b7c3f8e-2d4a-4c1e-9f6b-1a2b3c4d5e6f';
const target = { rolloutId: ROLLOUT_ID, targetVariant: 'v2' };

/** A string flag whose own targeting serves `v1` to EU users and `v0` to everyone else. */
function controlFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    key: 'checkout',
    name: 'Checkout',
    description: '',
    owner: 'team-payments',
    tags: [],
    kind: 'release',
    type: 'string',
    variants: { v0: 'old', v1: 'eu', v2: 'new' },
    enabled: true,
    offVariant: 'v0',
    defaultVariant: 'v0',
    rules: [
      { conditions: [{ attribute: 'region', operator: 'in', values: ['eu'] }], serve: { variant: 'v1' } },
    ],
    prerequisites: [],
    clientVisible: false,
    metadata: {},
    archived: false,
    ...overrides,
  };
}

const segments = {
  testers: {
    key: 'testers',
    name: 'Test accounts',
    description: '',
    conditions: [{ attribute: 'email', operator: 'ends_with' as const, values: ['@test.example'] }],
  },
};

function snapshotOf(...flags: Flag[]): FlagSetSnapshot {
  return { version: 1, flags: Object.fromEntries(flags.map((flag) => [flag.key, flag])), segments };
}

function served(flag: Flag, context: Record<string, unknown>): string | null | undefined {
  const result = evaluate(snapshotOf(flag), flag.key, context);
  return 'variant' in result ? result.variant : undefined;
}

const contexts = fc.record({
  targetingKey: fc.string({ minLength: 1, maxLength: 24 }),
  region: fc.constantFrom('eu', 'us'),
  email: fc.constantFrom('a@test.example', 'b@example.com'),
});

describe('servingAtStage', () => {
  it('puts the segments rule, then the percentage rule, in front of the flag’s own rules', () => {
    const staged = servingAtStage(controlFlag(), target, { percentage: 1, segments: ['testers'] });
    expect(staged.rules).toEqual([
      {
        description: `rollout ${ROLLOUT_ID}: segments`,
        conditions: [{ operator: 'in_segment', values: ['testers'] }],
        serve: { variant: 'v2' },
        groupId: rolloutGroupId(ROLLOUT_ID),
      },
      {
        description: `rollout ${ROLLOUT_ID}: 1 %`,
        conditions: [],
        rollout: 1,
        serve: { variant: 'v2' },
        groupId: rolloutGroupId(ROLLOUT_ID),
      },
      ...controlFlag().rules,
    ]);
    expect(validateFlagSet(snapshotOf(staged)).ok).toBe(true);
  });

  it('adds only the rules the stage needs', () => {
    const allowlist = servingAtStage(controlFlag(), target, { percentage: 0, segments: ['testers'] });
    const percentage = servingAtStage(controlFlag(), target, { percentage: 25, segments: [] });
    expect(allowlist.rules).toHaveLength(2);
    expect(allowlist.rules[0]?.conditions[0]?.operator).toBe('in_segment');
    expect(percentage.rules).toHaveLength(2);
    expect(percentage.rules[0]?.rollout).toBe(25);
  });

  it('replaces the previous stage’s rules instead of stacking them', () => {
    const first = servingAtStage(controlFlag(), target, { percentage: 0, segments: ['testers'] });
    const second = servingAtStage(first, target, { percentage: 1, segments: [] });
    expect(second.rules).toEqual([expect.objectContaining({ rollout: 1 }), ...controlFlag().rules]);
    expect(withoutRolloutRules(second, ROLLOUT_ID)).toEqual(controlFlag());
  });

  it('refuses a percentage rules cannot take', () => {
    expect(() => servingAtStage(controlFlag(), target, { percentage: 2.5, segments: [] })).toThrow(
      RangeError,
    );
  });

  it('serves the target to the segment and falls through to the control for everyone else', () => {
    fc.assert(
      fc.property(contexts, (context) => {
        const staged = servingAtStage(controlFlag(), target, { percentage: 0, segments: ['testers'] });
        const expected = context.email.endsWith('@test.example') ? 'v2' : served(controlFlag(), context);
        expect(served(staged, context)).toBe(expected);
      }),
    );
  });

  it('is sticky: a context served the target at p % is served it at every q ≥ p', () => {
    fc.assert(
      fc.property(
        contexts,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (context, a, b) => {
          const [p, q] = a <= b ? [a, b] : [b, a];
          const at = (percentage: number) =>
            served(servingAtStage(controlFlag(), target, { percentage, segments: [] }), context);
          if (at(p) === 'v2') expect(at(q)).toBe('v2');
          // Whoever is not in the rollout gets exactly what the control serves.
          if (at(q) !== 'v2') expect(at(q)).toBe(served(controlFlag(), context));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('serves the target to about p % of contexts', () => {
    const keys = Array.from({ length: 4000 }, (_, index) => `user-${index}`);
    const staged = servingAtStage(controlFlag(), target, { percentage: 25, segments: [] });
    const share = keys.filter((key) => served(staged, { targetingKey: key, region: 'us' }) === 'v2').length;
    expect(share / keys.length).toBeGreaterThan(0.22);
    expect(share / keys.length).toBeLessThan(0.28);
  });
});

describe('servingWhenComplete', () => {
  it('serves what the last stage (100 %) served, with the target as the default and no rules', () => {
    const last = servingAtStage(controlFlag(), target, { percentage: 100, segments: [] });
    const complete = servingWhenComplete(last, target);
    expect(complete.rules).toEqual([]);
    expect(complete.defaultVariant).toBe('v2');
    expect(validateFlagSet(snapshotOf(complete)).ok).toBe(true);
    fc.assert(
      fc.property(contexts, (context) => {
        expect(served(complete, context)).toBe(served(last, context));
      }),
    );
  });
});

describe('servingRestored', () => {
  it('restores exactly the control’s serving from any stage', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.subarray(['testers']),
        contexts,
        (percentage, stageSegments, context) => {
          fc.pre(percentage > 0 || stageSegments.length > 0);
          const staged = servingAtStage(controlFlag(), target, { percentage, segments: stageSegments });
          const restored = servingRestored(staged, controlFlag());
          expect(restored).toEqual(controlFlag());
          expect(served(restored, context)).toBe(served(controlFlag(), context));
        },
      ),
    );
  });

  it('keeps what is not serving: a new description, and the kill switch thrown meanwhile', () => {
    const staged = servingAtStage(controlFlag(), target, { percentage: 25, segments: [] });
    const edited = { ...staged, description: 'now with more', enabled: false };
    const restored = servingRestored(edited, controlFlag());
    expect(restored).toEqual({ ...controlFlag(), description: 'now with more', enabled: false });
    expect(validateFlagSet(snapshotOf(restored)).ok).toBe(true);
  });
});

describe('changesServing', () => {
  it('is true for rules, variants, default and off variant, prerequisites; false for the rest', () => {
    const flag = controlFlag();
    expect(changesServing(flag, { ...flag, description: 'x', tags: ['a'], enabled: false })).toBe(false);
    expect(changesServing(flag, { ...flag, defaultVariant: 'v1' })).toBe(true);
    expect(changesServing(flag, { ...flag, offVariant: 'v1' })).toBe(true);
    expect(changesServing(flag, { ...flag, rules: [] })).toBe(true);
    expect(changesServing(flag, { ...flag, variants: { ...flag.variants, v3: 'x' } })).toBe(true);
    expect(changesServing(flag, { ...flag, prerequisites: [{ flag: 'other', enabled: true }] })).toBe(true);
  });
});
