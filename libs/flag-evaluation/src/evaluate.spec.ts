import fc from 'fast-check';
import { clientVisibleOnly, evaluate, evaluateAll, type EvaluationResult } from './evaluate';
import type { Flag } from './flag-schema';
import { validateFlagSet, type FlagSetSnapshot } from './flag-set-schema';
import { aFlag, aRule, aSegment, aSnapshot } from './testing/flag-factory';

const staff = aRule([{ attribute: 'email', operator: 'ends_with', values: ['@rampart.dev'] }]);

function served(result: EvaluationResult): [unknown, string | null, string] {
  return [result.value, result.variant, result.reason];
}

describe('evaluate', () => {
  describe('reasons', () => {
    it('serves the default statically when the flag has no rules', () => {
      const snapshot = aSnapshot([aFlag({ defaultVariant: 'on' })]);
      expect(evaluate(snapshot, 'checkout', {})).toEqual({
        key: 'checkout',
        value: true,
        variant: 'on',
        reason: 'STATIC',
        metadata: {},
      });
    });

    it('serves the first matching rule, else the default', () => {
      const flag = aFlag({
        type: 'string',
        variants: { a: 'A', b: 'B', fallback: 'F' },
        offVariant: 'fallback',
        defaultVariant: 'fallback',
        rules: [
          aRule([{ attribute: 'plan', operator: 'in', values: ['pro'] }], { serve: { variant: 'a' } }),
          aRule([{ attribute: 'plan', operator: 'in', values: ['pro', 'team'] }], {
            serve: { variant: 'b' },
          }),
        ],
      });
      const snapshot = aSnapshot([flag]);
      expect(served(evaluate(snapshot, 'checkout', { plan: 'pro' }))).toEqual(['A', 'a', 'TARGETING_MATCH']);
      expect(served(evaluate(snapshot, 'checkout', { plan: 'team' }))).toEqual(['B', 'b', 'TARGETING_MATCH']);
      expect(served(evaluate(snapshot, 'checkout', { plan: 'free' }))).toEqual(['F', 'fallback', 'DEFAULT']);
    });

    it('serves the off variant to everyone when the flag is disabled', () => {
      const snapshot = aSnapshot([
        aFlag({ enabled: false, offVariant: 'off', defaultVariant: 'on', rules: [aRule()] }),
      ]);
      expect(served(evaluate(snapshot, 'checkout', { email: 'a@rampart.dev' }))).toEqual([
        false,
        'off',
        'DISABLED',
      ]);
    });

    it('returns the flag metadata with every answer', () => {
      const snapshot = aSnapshot([aFlag({ metadata: { team: 'payments', tier: 1 } })]);
      expect(evaluate(snapshot, 'checkout', {}).metadata).toEqual({ team: 'payments', tier: 1 });
    });
  });

  describe('rollouts and splits', () => {
    const split = aFlag({
      type: 'string',
      variants: { control: 'c', treatment: 't', off: '' },
      defaultVariant: 'off',
      rules: [
        aRule([], {
          serve: {
            split: [
              { variant: 'control', weight: 50 },
              { variant: 'treatment', weight: 50 },
            ],
          },
        }),
      ],
    });

    it('buckets on the targeting key, stickily', () => {
      const snapshot = aSnapshot([split]);
      const first = evaluate(snapshot, 'checkout', { targetingKey: 'user-1' });
      expect(first.reason).toBe('SPLIT');
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expect(evaluate(snapshot, 'checkout', { targetingKey: 'user-1', other: attempt })).toEqual(first);
      }
      const variants = new Set(
        Array.from(
          { length: 50 },
          (_, i) => evaluate(snapshot, 'checkout', { targetingKey: `u${i}` }).variant,
        ),
      );
      expect(variants).toEqual(new Set(['control', 'treatment']));
    });

    it('serves the default to a context without the stickiness attribute, never a random bucket', () => {
      const snapshot = aSnapshot([split]);
      expect(served(evaluate(snapshot, 'checkout', {}))).toEqual(['', 'off', 'DEFAULT']);
      expect(served(evaluate(snapshot, 'checkout', { targetingKey: '' }))).toEqual(['', 'off', 'DEFAULT']);
      const partial = aSnapshot([
        { ...split, rules: [{ ...split.rules[0]!, serve: { variant: 'control' }, rollout: 50 }] },
      ]);
      expect(served(evaluate(partial, 'checkout', {}))).toEqual(['', 'off', 'DEFAULT']);
    });

    it('needs no stickiness value where the outcome does not depend on it', () => {
      const single = aSnapshot([
        {
          ...split,
          rules: [aRule([], { rollout: 100, serve: { split: [{ variant: 'control', weight: 1 }] } })],
        },
      ]);
      expect(served(evaluate(single, 'checkout', {}))).toEqual(['c', 'control', 'TARGETING_MATCH']);
    });

    it('buckets on the attribute and group the rule names', () => {
      const rule = { ...split.rules[0]!, stickiness: 'accountId', groupId: 'pricing-test' };
      const snapshot = aSnapshot([{ ...split, rules: [rule] }]);
      const byAccount = evaluate(snapshot, 'checkout', { targetingKey: 'user-1', accountId: 'acc-9' });
      expect(byAccount.reason).toBe('SPLIT');
      // Same account, any user: same bucket; the same split under another flag key too (shared group).
      expect(evaluate(snapshot, 'checkout', { targetingKey: 'user-2', accountId: 'acc-9' }).variant).toBe(
        byAccount.variant,
      );
      const renamed = aSnapshot([{ ...split, key: 'checkout-copy', rules: [rule] }]);
      expect(evaluate(renamed, 'checkout-copy', { accountId: 'acc-9' }).variant).toBe(byAccount.variant);
      expect(served(evaluate(snapshot, 'checkout', { targetingKey: 'user-1' }))).toEqual([
        '',
        'off',
        'DEFAULT',
      ]);
    });

    it('applies a rollout percentage before the split, and moves on when outside it', () => {
      const flag = aFlag({
        rules: [aRule([], { rollout: 30 }), aRule([], { serve: { variant: 'off' } })],
        defaultVariant: 'on',
      });
      const snapshot = aSnapshot([flag]);
      const results = Array.from({ length: 1_000 }, (_, i) =>
        evaluate(snapshot, 'checkout', { targetingKey: `u${i}` }),
      );
      const inRollout = results.filter((result) => result.reason === 'SPLIT');
      expect(inRollout.length).toBeGreaterThan(250);
      expect(inRollout.length).toBeLessThan(350);
      expect(new Set(inRollout.map((result) => result.variant))).toEqual(new Set(['on']));
      expect(results.filter((result) => result.reason === 'TARGETING_MATCH').length).toBe(
        1_000 - inRollout.length,
      );
    });

    it('includes no one at 0 %', () => {
      const snapshot = aSnapshot([aFlag({ rules: [aRule([], { rollout: 0 })] })]);
      expect(evaluate(snapshot, 'checkout', { targetingKey: 'u1' }).reason).toBe('DEFAULT');
    });
  });

  describe('prerequisites', () => {
    const parent = aFlag({
      key: 'login',
      type: 'string',
      variants: { modern: 'm', classic: 'c' },
      offVariant: 'classic',
      defaultVariant: 'classic',
      rules: [
        aRule([{ attribute: 'beta', operator: 'in', values: ['true'] }], { serve: { variant: 'modern' } }),
      ],
    });
    const child = (
      prerequisite: Flag['prerequisites'][number],
      overrides: Partial<Flag> = {},
    ): FlagSetSnapshot =>
      aSnapshot([parent, aFlag({ defaultVariant: 'on', prerequisites: [prerequisite], ...overrides })]);

    it('serves the child when its parent is on for the context', () => {
      const snapshot = child({ flag: 'login', enabled: true });
      expect(served(evaluate(snapshot, 'checkout', { beta: true }))).toEqual([true, 'on', 'STATIC']);
      expect(served(evaluate(snapshot, 'checkout', { beta: false }))).toEqual([false, 'off', 'DISABLED']);
    });

    it('needs the parent to serve one of the listed variants', () => {
      expect(
        evaluate(child({ flag: 'login', enabled: true, variants: ['modern'] }), 'checkout', { beta: true })
          .variant,
      ).toBe('on');
      expect(
        evaluate(child({ flag: 'login', enabled: true, variants: ['classic'] }), 'checkout', { beta: true }),
      ).toMatchObject({
        variant: 'off',
        reason: 'DISABLED',
      });
    });

    it('can need the parent off', () => {
      const snapshot = child({ flag: 'login', enabled: false });
      expect(evaluate(snapshot, 'checkout', { beta: false }).variant).toBe('on');
      expect(evaluate(snapshot, 'checkout', { beta: true }).variant).toBe('off');
      const disabledParent = aSnapshot([
        { ...parent, enabled: false },
        aFlag({ defaultVariant: 'on', prerequisites: [{ flag: 'login', enabled: false }] }),
      ]);
      expect(evaluate(disabledParent, 'checkout', { beta: true }).variant).toBe('on');
    });

    it('is off when the parent is missing, archived or has prerequisites of its own', () => {
      expect(evaluate(child({ flag: 'gone', enabled: true }), 'checkout', {})).toMatchObject({
        variant: 'off',
        reason: 'DISABLED',
      });
      const archived = aSnapshot([
        { ...parent, archived: true, rules: [] },
        aFlag({ defaultVariant: 'on', prerequisites: [{ flag: 'login', enabled: true }] }),
      ]);
      expect(evaluate(archived, 'checkout', {})).toMatchObject({ variant: 'off', reason: 'DISABLED' });
      // A cycle refused at write time, in a hand-made snapshot: both stay off, nothing loops.
      const a = aFlag({ key: 'a', defaultVariant: 'on', prerequisites: [{ flag: 'b', enabled: true }] });
      const b = aFlag({ key: 'b', defaultVariant: 'on', prerequisites: [{ flag: 'a', enabled: true }] });
      expect(evaluate(aSnapshot([a, b]), 'a', {})).toMatchObject({ variant: 'off', reason: 'DISABLED' });
    });

    it('leaves a disabled child disabled', () => {
      expect(
        evaluate(child({ flag: 'login', enabled: true }, { enabled: false }), 'checkout', { beta: true }),
      ).toMatchObject({
        variant: 'off',
        reason: 'DISABLED',
      });
    });
  });

  describe('errors', () => {
    const snapshot = aSnapshot([aFlag(), aFlag({ key: 'old', archived: true })]);

    it('answers FLAG_NOT_FOUND for missing, archived and inherited keys', () => {
      for (const key of ['nowhere', 'old', 'constructor', '__proto__', 'toString']) {
        expect(evaluate(snapshot, key, {})).toMatchObject({
          key,
          value: null,
          variant: null,
          reason: 'ERROR',
          errorCode: 'FLAG_NOT_FOUND',
        });
      }
    });

    it('answers TYPE_MISMATCH when the caller expects another type', () => {
      expect(evaluate(snapshot, 'checkout', {}, { expectedType: 'string' })).toMatchObject({
        reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH',
        errorDetails: 'flag "checkout" is of type boolean, not string',
      });
      expect(evaluate(snapshot, 'checkout', {}, { expectedType: 'boolean' }).reason).toBe('STATIC');
    });

    it('answers INVALID_CONTEXT for a context it cannot use', () => {
      expect(evaluate(snapshot, 'checkout', 'user-1')).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
      expect(evaluate(snapshot, 'checkout', { nested: { a: 1 } })).toMatchObject({
        errorCode: 'INVALID_CONTEXT',
        errorDetails: 'attribute "nested" is not a string, number, boolean or list of strings',
      });
    });

    it('answers TARGETING_KEY_MISSING only when the caller requires one', () => {
      expect(evaluate(snapshot, 'checkout', {}, { requireTargetingKey: true })).toMatchObject({
        errorCode: 'TARGETING_KEY_MISSING',
      });
      expect(
        evaluate(snapshot, 'checkout', { targetingKey: 'u1' }, { requireTargetingKey: true }).reason,
      ).toBe('STATIC');
    });

    it('answers PARSE_ERROR for a configuration it cannot follow', () => {
      const broken = {
        version: 1,
        flags: { checkout: { ...aFlag(), defaultVariant: 'nowhere' } },
        segments: {},
      };
      expect(evaluate(broken, 'checkout', {})).toMatchObject({
        errorCode: 'PARSE_ERROR',
        errorDetails: `flag "checkout" is not valid: defaultVariant: must be one of the flag's variants`,
      });
      const unknownOperator = aSnapshot([
        aFlag({ rules: [aRule([{ attribute: 'x', operator: 'regex' as never, values: ['.*'] }])] }),
      ]);
      expect(evaluate(unknownOperator, 'checkout', {})).toMatchObject({ errorCode: 'PARSE_ERROR' });
      expect(evaluate({ version: 1, flags: null } as never, 'checkout', {})).toMatchObject({
        errorCode: 'PARSE_ERROR',
      });
      const badSegment = aSnapshot([
        aFlag({ rules: [aRule([{ operator: 'in_segment', values: ['beta-testers'] }])] }),
      ]);
      badSegment.segments['beta-testers'] = { key: 'beta-testers' } as never;
      expect(evaluate(badSegment, 'checkout', {})).toMatchObject({ errorCode: 'PARSE_ERROR' });
    });

    it('still evaluates conditions that only the write-time checks refuse', () => {
      const stored = aSnapshot([
        aFlag({
          rules: [
            aRule([{ attribute: 'ip', operator: 'in_cidr', values: ['10.0.0.0/33', '192.168.1.0/24'] }]),
            aRule([{ attribute: 'plan', operator: 'not_in', values: [] }], { serve: { variant: 'off' } }),
          ],
        }),
      ]);
      expect(validateFlagSet(stored).ok).toBe(false);
      expect(served(evaluate(stored, 'checkout', { ip: '192.168.1.42' }))).toEqual([
        true,
        'on',
        'TARGETING_MATCH',
      ]);
      expect(served(evaluate(stored, 'checkout', { ip: '10.0.0.1' }))).toEqual([
        false,
        'off',
        'TARGETING_MATCH',
      ]);
    });

    it('fills in what a hand-made snapshot leaves out, as the schema does', () => {
      const {
        rules: _rules,
        prerequisites: _prerequisites,
        metadata: _metadata,
        archived: _archived,
        ...minimal
      } = aFlag({
        defaultVariant: 'on',
      });
      expect(served(evaluate({ version: 1, flags: { checkout: minimal } } as never, 'checkout', {}))).toEqual(
        [true, 'on', 'STATIC'],
      );
    });
  });

  describe('properties', () => {
    const snapshot = aSnapshot(
      [
        aFlag({
          type: 'string',
          variants: { a: 'A', b: 'B', c: 'C' },
          offVariant: 'c',
          defaultVariant: 'c',
          rules: [
            aRule([{ attribute: 'plan', operator: 'in', values: ['pro'], caseInsensitive: true }], {
              serve: { variant: 'a' },
            }),
            aRule(
              [
                { attribute: 'age', operator: 'num_gte', values: ['18'] },
                { attribute: 'v', operator: 'semver_gt', values: ['1.0.0'] },
              ],
              {
                serve: { variant: 'b' },
              },
            ),
            aRule([{ attribute: 'at', operator: 'date_after', values: ['2024-01-01T00:00:00Z'] }], {
              serve: { variant: 'a' },
            }),
            aRule([{ attribute: 'ip', operator: 'in_cidr', values: ['10.0.0.0/8'], inverted: true }], {
              rollout: 50,
              serve: { variant: 'b' },
            }),
            aRule([{ operator: 'in_segment', values: ['beta-testers'] }], {
              serve: {
                split: [
                  { variant: 'a', weight: 1 },
                  { variant: 'b', weight: 2 },
                ],
              },
            }),
          ],
        }),
      ],
      [aSegment()],
    );
    const attribute = fc.oneof(
      fc.constantFrom('targetingKey', 'plan', 'age', 'v', 'at', 'ip', 'email'),
      fc.string(),
    );
    const context = fc.oneof(fc.jsonValue(), fc.dictionary(attribute, fc.jsonValue()));

    it('is total: any JSON context gives a result, never a throw', () => {
      fc.assert(
        fc.property(context, (input) => {
          const result = evaluate(snapshot, 'checkout', input);
          expect(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'ERROR']).toContain(
            result.reason,
          );
          if (result.reason === 'ERROR') expect(result.errorCode).toBe('INVALID_CONTEXT');
          else expect(['A', 'B', 'C']).toContain(result.value);
        }),
        { numRuns: 500 },
      );
    });

    it('is deterministic', () => {
      fc.assert(
        fc.property(context, (input) => {
          expect(evaluate(snapshot, 'checkout', structuredClone(input))).toEqual(
            evaluate(snapshot, 'checkout', input),
          );
        }),
        { numRuns: 300 },
      );
    });

    it('is total over any snapshot and key as well', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.string(), context, (anySnapshot, key, input) => {
          expect(() => evaluate(anySnapshot as never, key, input)).not.toThrow();
          expect(() => evaluateAll(anySnapshot as never, input)).not.toThrow();
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('evaluateAll', () => {
  const snapshot = aSnapshot(
    [
      aFlag({ key: 'zeta', clientVisible: true }),
      aFlag({ key: 'alpha', clientVisible: true, rules: [staff], defaultVariant: 'off' }),
      aFlag({ key: 'internal' }),
      aFlag({ key: 'retired', archived: true, clientVisible: true }),
    ],
    [],
    7,
  );

  it('evaluates every live flag in key order, with the set version', () => {
    const all = evaluateAll(snapshot, { email: 'a@rampart.dev' });
    expect(all).toMatchObject({ ok: true, version: 7 });
    expect(all.ok && all.flags.map((result) => [result.key, result.variant, result.reason])).toEqual([
      ['alpha', 'on', 'TARGETING_MATCH'],
      ['internal', 'off', 'STATIC'],
      ['zeta', 'off', 'STATIC'],
    ]);
  });

  it('keeps only client-visible flags when asked', () => {
    const visible = evaluateAll(snapshot, {}, clientVisibleOnly);
    expect(visible.ok && visible.flags.map((result) => result.key)).toEqual(['alpha', 'zeta']);
  });

  it('fails as a whole on a context it cannot use', () => {
    expect(evaluateAll(snapshot, [1, 2])).toEqual({
      ok: false,
      errorCode: 'INVALID_CONTEXT',
      errorDetails: 'the evaluation context must be a JSON object',
    });
  });

  it('reports a flag it cannot read by itself, and never to a filtered (client) listing', () => {
    const broken = { ...snapshot, flags: { ...snapshot.flags, bad: { key: 'bad' } as never } };
    const all = evaluateAll(broken, {});
    expect(all.ok && all.flags.find((result) => result.key === 'bad')).toMatchObject({
      errorCode: 'PARSE_ERROR',
    });
    const visible = evaluateAll(broken, {}, clientVisibleOnly);
    expect(visible.ok && visible.flags.map((result) => result.key)).toEqual(['alpha', 'zeta']);
  });
});
