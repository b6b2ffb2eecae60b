import {
  MAX_CONDITION_VALUES,
  MAX_CONDITIONS,
  MAX_METADATA_ENTRIES,
  MAX_RULES,
  MAX_SPLIT_TOTAL_WEIGHT,
  MAX_VARIANT_OBJECT_BYTES,
  MAX_VARIANTS,
} from './bounds';
import type { Condition } from './condition-schema';
import { fieldErrorsOf, type FieldErrors } from './field-errors';
import { flagSchema, type Flag } from './flag-schema';
import { aFlag, aRule } from './testing/flag-factory';

/** The errors of a flag as the API would answer them; {} when the flag is valid. */
function errorsOf(flag: unknown): FieldErrors {
  const parsed = flagSchema.safeParse(flag);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

const withCondition = (condition: Record<string, unknown>): Flag =>
  aFlag({ rules: [aRule([condition as Condition])] });

describe('flagSchema', () => {
  it('accepts a complete flag and fills in the optional parts', () => {
    const { description, tags, rules, prerequisites, clientVisible, metadata, archived, ...required } =
      aFlag();
    expect(errorsOf(aFlag())).toEqual({});
    expect(flagSchema.parse(required)).toEqual(
      aFlag({ description, tags, rules, prerequisites, clientVisible, metadata, archived }),
    );
  });

  describe('keys', () => {
    it.each(['checkout', 'checkout-v2', 'a', '0', 'team.area_flag-1', 'k'.repeat(128)])(
      'accepts %j',
      (key) => {
        expect(errorsOf(aFlag({ key }))).toEqual({});
      },
    );

    it.each(['', 'Checkout', '-checkout', '.x', 'check out', 'ünïcode', 'k'.repeat(129), 'a/b'])(
      'refuses %j',
      (key) => {
        expect(Object.keys(errorsOf(aFlag({ key })))).toEqual(['key']);
      },
    );

    it.each(['update', 'rollback', 'history', 'audit'])('refuses the reserved word %j', (key) => {
      expect(errorsOf(aFlag({ key }))).toEqual({
        key: ['must not be a reserved word (update, rollback, history, audit)'],
      });
    });
  });

  describe('variant values against the flag type', () => {
    it.each([
      ['boolean', { on: true, off: false }],
      ['string', { on: 'blue', off: '' }],
      ['number', { on: 1.5, off: -3 }],
      ['object', { on: { colour: 'blue', sizes: [1, 2], nested: { deep: null } }, off: {} }],
    ] as const)('accepts %s values', (type, variants) => {
      expect(errorsOf(aFlag({ type, variants }))).toEqual({});
    });

    it.each([
      ['boolean', 'true', 'must be a boolean (the flag is of type boolean)'],
      ['string', 1, 'must be a string (the flag is of type string)'],
      ['number', '1', 'must be a finite number (the flag is of type number)'],
      ['number', Number.POSITIVE_INFINITY, 'must be a finite number (the flag is of type number)'],
      ['object', [1, 2], 'must be a JSON object (the flag is of type object)'],
      ['object', null, 'must be a JSON object (the flag is of type object)'],
      ['object', new Date(0), 'must be a JSON object (the flag is of type object)'],
      ['object', { n: Number.NaN }, 'must be JSON nested at most 8 levels deep'],
    ] as const)('refuses a %s flag serving %j', (type, value, message) => {
      const flag = aFlag({ type, variants: { on: value as never, off: value as never } });
      expect(errorsOf(flag)).toEqual({ 'variants.on': [message], 'variants.off': [message] });
    });

    it('bounds object values by depth and size', () => {
      let deep: Record<string, unknown> = {};
      for (let level = 0; level < 9; level += 1) deep = { deep };
      const big = { text: 'x'.repeat(MAX_VARIANT_OBJECT_BYTES) };
      const flag = aFlag({ type: 'object', variants: { on: deep, off: big } });
      expect(errorsOf(flag)).toEqual({
        'variants.on': ['must be JSON nested at most 8 levels deep'],
        'variants.off': [`must be at most ${MAX_VARIANT_OBJECT_BYTES} bytes of JSON`],
      });
    });
  });

  it('needs offVariant, defaultVariant and every served variant among the variants', () => {
    const flag = aFlag({
      offVariant: 'gone',
      defaultVariant: 'missing',
      rules: [
        aRule([], { serve: { variant: 'nope' } }),
        aRule([], {
          serve: {
            split: [
              { variant: 'on', weight: 1 },
              { variant: 'ghost', weight: 1 },
            ],
          },
        }),
      ],
    });
    expect(errorsOf(flag)).toEqual({
      offVariant: ["must be one of the flag's variants"],
      defaultVariant: ["must be one of the flag's variants"],
      'rules[0].serve.variant': ["must be one of the flag's variants"],
      'rules[1].serve.split[1].variant': ["must be one of the flag's variants"],
    });
  });

  describe('rules', () => {
    it('serve exactly one of a variant or a split', () => {
      const both = aRule([], { serve: { variant: 'on', split: [{ variant: 'on', weight: 1 }] } });
      const neither = aRule([], { serve: {} });
      expect(errorsOf(aFlag({ rules: [both, neither] }))).toEqual({
        'rules[0].serve': ['must have exactly one of variant or split'],
        'rules[1].serve': ['must have exactly one of variant or split'],
      });
    });

    it('split by integer weights that add up to something, each variant once', () => {
      const split = (entries: { variant: string; weight: number }[]): Flag =>
        aFlag({ rules: [aRule([], { serve: { split: entries } })] });
      expect(errorsOf(split([{ variant: 'on', weight: 0 }]))).toEqual({
        'rules[0].serve.split': [`weights must add up to between 1 and ${MAX_SPLIT_TOTAL_WEIGHT}`],
      });
      expect(Object.keys(errorsOf(split([{ variant: 'on', weight: 1.5 }])))).toEqual([
        'rules[0].serve.split[0].weight',
      ]);
      expect(Object.keys(errorsOf(split([{ variant: 'on', weight: -1 }])))).toContain(
        'rules[0].serve.split[0].weight',
      );
      expect(
        errorsOf(
          split([
            { variant: 'on', weight: MAX_SPLIT_TOTAL_WEIGHT },
            { variant: 'off', weight: 1 },
          ]),
        ),
      ).toEqual({
        'rules[0].serve.split': [`weights must add up to between 1 and ${MAX_SPLIT_TOTAL_WEIGHT}`],
      });
      expect(
        errorsOf(
          split([
            { variant: 'on', weight: 1 },
            { variant: 'on', weight: 1 },
          ]),
        ),
      ).toEqual({ 'rules[0].serve.split[1].variant': ['appears twice in the split'] });
    });

    it('take a rollout from 0 to 100 and a well-formed groupId', () => {
      expect(errorsOf(aFlag({ rules: [aRule([], { rollout: 0, groupId: 'Feature.Ünïcode' })] }))).toEqual({});
      expect(Object.keys(errorsOf(aFlag({ rules: [aRule([], { rollout: 101 })] })))).toEqual([
        'rules[0].rollout',
      ]);
      expect(Object.keys(errorsOf(aFlag({ rules: [aRule([], { rollout: 12.5 })] })))).toEqual([
        'rules[0].rollout',
      ]);
      expect(errorsOf(aFlag({ rules: [aRule([], { groupId: '\ud800' })] }))).toEqual({
        'rules[0].groupId': ['must be well-formed Unicode (it is hashed as UTF-8)'],
      });
    });
  });

  describe('conditions', () => {
    it('accept every operator with values it can use', () => {
      const conditions: Condition[] = [
        { attribute: 'plan', operator: 'in', values: ['pro'], caseInsensitive: true },
        { attribute: 'plan', operator: 'not_in', values: [''] },
        { attribute: 'email', operator: 'ends_with', values: ['@example.com'], inverted: true },
        { attribute: 'age', operator: 'num_gte', values: ['18'] },
        { attribute: 'appVersion', operator: 'semver_lt', values: ['2.0.0-rc.1'] },
        { attribute: 'currentTime', operator: 'date_after', values: ['2025-03-01T10:00:00+01:00'] },
        { attribute: 'ip', operator: 'in_cidr', values: ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1'] },
        { operator: 'in_segment', values: ['beta-testers'] },
      ];
      expect(errorsOf(aFlag({ rules: [aRule(conditions.slice(0, 5)), aRule(conditions.slice(5))] }))).toEqual(
        {},
      );
    });

    it.each([
      [{ attribute: 'x', operator: 'matches', values: ['a'] }, 'rules[0].conditions[0].operator'],
      [{ operator: 'in', values: ['a'] }, 'rules[0].conditions[0].attribute'],
      [{ attribute: 'x', operator: 'in_segment', values: ['beta'] }, 'rules[0].conditions[0].attribute'],
      [{ operator: 'in_segment', values: ['Not A Key'] }, 'rules[0].conditions[0].values[0]'],
      [{ attribute: 'x', operator: 'in', values: [] }, 'rules[0].conditions[0].values'],
      [{ attribute: 'x', operator: 'starts_with', values: [''] }, 'rules[0].conditions[0].values[0]'],
      [{ attribute: 'x', operator: 'num_eq', values: ['1', '2'] }, 'rules[0].conditions[0].values'],
      [{ attribute: 'x', operator: 'num_eq', values: ['12abc'] }, 'rules[0].conditions[0].values[0]'],
      [{ attribute: 'x', operator: 'semver_eq', values: ['v1.2.3'] }, 'rules[0].conditions[0].values[0]'],
      [
        { attribute: 'x', operator: 'date_before', values: ['2025-03-01'] },
        'rules[0].conditions[0].values[0]',
      ],
      [{ attribute: 'x', operator: 'in_cidr', values: ['10.0.0.0/33'] }, 'rules[0].conditions[0].values[0]'],
      [
        { attribute: 'x', operator: 'num_gt', values: ['1'], caseInsensitive: true },
        'rules[0].conditions[0].caseInsensitive',
      ],
      [{ attribute: '1x', operator: 'in', values: ['a'] }, 'rules[0].conditions[0].attribute'],
      [{ attribute: 'x', operator: 'in', values: ['a'], regex: true }, 'rules[0].conditions[0]'],
    ])('refuses %j at %s', (condition, field) => {
      expect(Object.keys(errorsOf(withCondition(condition)))).toEqual([field]);
    });
  });

  describe('size bounds', () => {
    it('bounds variants, rules, conditions and values', () => {
      const variants = Object.fromEntries(
        Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => [`v${i}`, i % 2 === 0]),
      );
      expect(errorsOf(aFlag({ variants: { ...variants, on: true, off: false } }))).toEqual({
        variants: [`must have at most ${MAX_VARIANTS} variants`],
      });
      expect(
        Object.keys(errorsOf(aFlag({ rules: Array.from({ length: MAX_RULES + 1 }, () => aRule()) }))),
      ).toEqual(['rules']);
      const condition: Condition = { attribute: 'x', operator: 'in', values: ['a'] };
      expect(
        Object.keys(
          errorsOf(aFlag({ rules: [aRule(Array.from({ length: MAX_CONDITIONS + 1 }, () => condition))] })),
        ),
      ).toEqual(['rules[0].conditions']);
      const values = Array.from({ length: MAX_CONDITION_VALUES + 1 }, (_, i) => `u${i}`);
      expect(Object.keys(errorsOf(withCondition({ attribute: 'x', operator: 'in', values })))).toEqual([
        'rules[0].conditions[0].values',
      ]);
      expect(
        Object.keys(errorsOf(withCondition({ attribute: 'x', operator: 'in', values: ['x'.repeat(257)] }))),
      ).toEqual(['rules[0].conditions[0].values[0]']);
      expect(errorsOf(aFlag({ variants: {} }))).toEqual({
        variants: ['must have at least one variant'],
        offVariant: ["must be one of the flag's variants"],
        defaultVariant: ["must be one of the flag's variants"],
      });
    });

    it('bounds metadata to a few scalar entries', () => {
      const many = Object.fromEntries(
        Array.from({ length: MAX_METADATA_ENTRIES + 1 }, (_, i) => [`k${i}`, i]),
      );
      expect(errorsOf(aFlag({ metadata: many }))).toEqual({
        metadata: [`must have at most ${MAX_METADATA_ENTRIES} entries`],
      });
      expect(errorsOf(aFlag({ metadata: { team: 'payments', tier: 1, paging: false } }))).toEqual({});
      expect(errorsOf(aFlag({ metadata: { nested: {} as never } }))).toEqual({
        'metadata.nested': ['must be a string (up to 256 characters), a finite number or a boolean'],
      });
      expect(errorsOf(aFlag({ metadata: { '1st': 'x' } }))).toEqual({
        'metadata.1st': ['key must be letters, digits, "_", "." or "-", starting with a letter'],
      });
    });
  });

  describe('prerequisites', () => {
    it('need another flag, once, and variants only of a parent that must be on', () => {
      const flag = aFlag({
        prerequisites: [
          { flag: 'checkout', enabled: true },
          { flag: 'login', enabled: true },
          { flag: 'login', enabled: false, variants: ['on'] },
        ],
      });
      expect(errorsOf(flag)).toEqual({
        'prerequisites[0].flag': ['a flag cannot be its own prerequisite'],
        'prerequisites[2].flag': ['is listed twice'],
        'prerequisites[2].variants': ['a parent that must be off serves no variant to ask for'],
      });
    });

    it('default to needing the parent on', () => {
      expect(flagSchema.parse(aFlag({ prerequisites: [{ flag: 'login' } as never] })).prerequisites).toEqual([
        { flag: 'login', enabled: true },
      ]);
    });
  });

  it('refuses fields it does not know', () => {
    expect(errorsOf({ ...aFlag(), colour: 'red' })).toEqual({ '(root)': ['Unrecognized key: "colour"'] });
  });
});
