import type { Condition } from './condition-schema';
import { conditionHolds, type ConditionScope } from './conditions';
import type { EvaluationContext } from './evaluation-context';
import { aSegment } from './testing/flag-factory';

function holds(
  condition: Condition,
  context: EvaluationContext,
  extra: Partial<ConditionScope> = {},
): boolean {
  return conditionHolds(condition, { context, segments: {}, ...extra });
}

const on = (operator: Condition['operator'], values: string[], more: Partial<Condition> = {}): Condition => ({
  attribute: 'x',
  operator,
  values,
  ...more,
});

describe('conditionHolds', () => {
  describe('in and not_in', () => {
    it('compare the attribute with the values as text', () => {
      expect(holds(on('in', ['pro', 'team']), { x: 'pro' })).toBe(true);
      expect(holds(on('in', ['pro', 'team']), { x: 'free' })).toBe(false);
      expect(holds(on('not_in', ['pro', 'team']), { x: 'free' })).toBe(true);
      expect(holds(on('not_in', ['pro', 'team']), { x: 'team' })).toBe(false);
    });

    it('write numbers and booleans as JSON does', () => {
      expect(holds(on('in', ['12']), { x: 12 })).toBe(true);
      expect(holds(on('in', ['1.5']), { x: 1.5 })).toBe(true);
      expect(holds(on('in', ['true']), { x: true })).toBe(true);
    });

    it('hold for a list attribute when any item is in the values', () => {
      expect(holds(on('in', ['admin']), { x: ['staff', 'admin'] })).toBe(true);
      expect(holds(on('not_in', ['admin']), { x: ['staff', 'admin'] })).toBe(false);
      expect(holds(on('in', ['admin']), { x: [] })).toBe(false);
      expect(holds(on('not_in', ['admin']), { x: [] })).toBe(true);
    });

    it('ignore case only when asked', () => {
      expect(holds(on('in', ['Pro']), { x: 'pro' })).toBe(false);
      expect(holds(on('in', ['Pro'], { caseInsensitive: true }), { x: 'PRO' })).toBe(true);
      expect(holds(on('not_in', ['Pro'], { caseInsensitive: true }), { x: 'pro' })).toBe(false);
    });

    it('treat a missing or null attribute as in no list', () => {
      expect(holds(on('in', ['pro']), {})).toBe(false);
      expect(holds(on('not_in', ['pro']), {})).toBe(true);
      expect(holds(on('in', ['pro']), { x: null })).toBe(false);
      expect(holds(on('not_in', ['pro']), { x: null })).toBe(true);
    });
  });

  describe('starts_with, ends_with and contains', () => {
    it.each([
      ['starts_with', 'some-string-is-cool', ['some-string'], true],
      ['starts_with', 'cool e1', ['e1', 'e2'], false],
      ['ends_with', 'test@some-email.com', ['some-email.com'], true],
      ['ends_with', 'test@some-EMAIL.com', ['some-email.com'], false],
      ['contains', 'test@some-email.com', ['email'], true],
      ['contains', 'test@another.com', ['email'], false],
    ] as const)('%s: %s against %j is %s', (operator, value, values, expected) => {
      expect(holds(on(operator, [...values]), { x: value })).toBe(expected);
    });

    it('ignore case when asked', () => {
      expect(holds(on('starts_with', ['TEST'], { caseInsensitive: true }), { x: 'TEsT@example.com' })).toBe(
        true,
      );
      expect(
        holds(on('ends_with', ['some-email.com'], { caseInsensitive: true }), { x: 'a@SOME-EMAIL.com' }),
      ).toBe(true);
      expect(holds(on('contains', ['Mail'], { caseInsensitive: true }), { x: 'EMAIL' })).toBe(true);
    });

    it('look at every item of a list, and at numbers as text', () => {
      expect(holds(on('starts_with', ['team-']), { x: ['org-1', 'team-2'] })).toBe(true);
      expect(holds(on('ends_with', ['00']), { x: 1200 })).toBe(true);
    });

    it('do not hold for a missing attribute', () => {
      for (const operator of ['starts_with', 'ends_with', 'contains'] as const) {
        expect(holds(on(operator, ['a']), {})).toBe(false);
      }
    });
  });

  describe('numeric operators', () => {
    it.each([
      ['num_eq', '12', 12, true],
      ['num_eq', '12', '12.0', true],
      ['num_eq', '12.0', '12', true],
      ['num_eq', '12', 13, false],
      ['num_lt', '12', 11.5, true],
      ['num_lt', '12', 12, false],
      ['num_lte', '12', 12, true],
      ['num_lte', '12', 13, false],
      ['num_gt', '12', '13', true],
      ['num_gt', '12', 12, false],
      ['num_gte', '12', 12, true],
      ['num_gte', '-1e3', -999, true],
      ['num_gte', '12', 11, false],
    ] as const)('%s %s with %j is %s', (operator, value, attribute, expected) => {
      expect(holds(on(operator, [value]), { x: attribute })).toBe(expected);
    });

    it.each(['', ' 12', '12abc', '0x10', 'Infinity', '1e400', '012', '1.', '.5', true, ['12']] as const)(
      'refuse %j as a number',
      (attribute) => {
        expect(holds(on('num_gte', ['0']), { x: attribute })).toBe(false);
        expect(holds(on('num_lt', ['1000']), { x: attribute })).toBe(false);
      },
    );

    it('do not hold with a value that is not a number', () => {
      expect(holds(on('num_eq', ['twelve']), { x: 12 })).toBe(false);
    });
  });

  describe('semver operators', () => {
    it.each([
      ['semver_eq', '1.2.2', '1.2.2', true],
      ['semver_eq', '1.2.2', '1.2.0', false],
      ['semver_eq', '1.2.2', '1.2.2+build.7', true],
      ['semver_gt', '1.2.2', '1.2.3', true],
      ['semver_gt', '2.0.0-alpha.1', '2.0.0-beta.1', true],
      ['semver_gt', '2.0.0-alpha', '2.0.0-alpha.1', true],
      ['semver_gt', '2.0.0-rc', '2.0.0-beta.1', false],
      ['semver_gt', '2.0.0-rc', '2.0.0', true],
      ['semver_lt', '2.0.0-alpha.3', '2.0.0-alpha.1', true],
      ['semver_lt', '2.0.0-alpha.1', '1.9.1-beta.1', true],
      ['semver_lt', '1.2.2', '1.2.3', false],
    ] as const)('%s %s with %s is %s', (operator, value, attribute, expected) => {
      expect(holds(on(operator, [value]), { x: attribute })).toBe(expected);
    });

    it.each(['v2.0.0', ' 2.0.0', '2.0', 'not a semver', '01.2.3'])('refuse %j as a version', (attribute) => {
      expect(holds(on('semver_eq', ['2.0.0']), { x: attribute })).toBe(false);
      expect(holds(on('semver_lt', ['9.0.0']), { x: attribute })).toBe(false);
    });

    it('refuse numbers', () => {
      expect(holds(on('semver_lt', ['9.0.0']), { x: 1 })).toBe(false);
    });
  });

  describe('date operators', () => {
    const instant = '2022-01-29T13:00:00.000Z';
    it('compare instants, exclusive of the value', () => {
      expect(holds(on('date_after', [instant]), { x: '2022-01-30T13:00:00.000Z' })).toBe(true);
      expect(holds(on('date_after', [instant]), { x: instant })).toBe(false);
      expect(holds(on('date_before', [instant]), { x: '2022-01-28T13:00:00Z' })).toBe(true);
      expect(holds(on('date_before', [instant]), { x: instant })).toBe(false);
    });

    it('honour offsets', () => {
      // 11:30Z is 13:30 at +02:00: after 13:00+02:00, before 14:00+02:00.
      expect(
        holds(on('date_after', ['2022-01-22T13:00:00.000+02:00']), { x: '2022-01-22T11:30:00.000Z' }),
      ).toBe(true);
      expect(holds(on('date_before', ['2022-01-22T14:00:00+02:00']), { x: '2022-01-22T11:30:00Z' })).toBe(
        true,
      );
      expect(holds(on('date_before', ['2022-01-22T12:00:00Z']), { x: '2022-01-22T08:00:00-05:00' })).toBe(
        false,
      );
    });

    it('order instants finer than a millisecond', () => {
      expect(holds(on('date_after', ['2022-01-29T13:00:00.0001Z']), { x: '2022-01-29T13:00:00.0002Z' })).toBe(
        true,
      );
    });

    it.each([
      '2022-01-29',
      '2022-01-29T13:00:00',
      '2022-01-29T13:00Z',
      '2022-01-29 13:00:00Z',
      '2022-01-29t13:00:00z',
      '2022-02-30T13:00:00Z',
      '2022-01-29T24:00:00Z',
      '2022-01-29T13:00:60Z',
      '2022-01-29T13:00:00+2:00',
      '2022-01-29T13:00:00+24:00',
      '2022-01-29T13:00:00.Z',
      '2022-01-29T13:00:00.1234567890Z',
      'Sat, 29 Jan 2022 13:00:00 GMT',
      '1643461200000',
    ])('refuse %j as a date, whatever Date.parse makes of it', (attribute) => {
      expect(holds(on('date_after', ['2000-01-01T00:00:00Z']), { x: attribute })).toBe(false);
      expect(holds(on('date_before', ['2100-01-01T00:00:00Z']), { x: attribute })).toBe(false);
    });

    it('accept leap days and the first year', () => {
      expect(holds(on('date_after', ['2024-02-28T23:59:59Z']), { x: '2024-02-29T00:00:00Z' })).toBe(true);
      expect(holds(on('date_before', ['0001-01-01T00:00:00Z']), { x: '0000-12-31T23:59:59Z' })).toBe(true);
    });

    it('compare currentTime with the injected clock, which wins over the context', () => {
      const launch: Condition = { attribute: 'currentTime', operator: 'date_after', values: [instant] };
      const now = new Date('2022-02-01T00:00:00Z');
      expect(holds(launch, {}, { now })).toBe(true);
      expect(holds(launch, { currentTime: '2020-01-01T00:00:00Z' }, { now })).toBe(true);
      expect(holds(launch, { currentTime: '2023-01-01T00:00:00Z' })).toBe(true);
      expect(holds(launch, {})).toBe(false);
    });
  });

  describe('in_cidr', () => {
    it('matches IPv4 and IPv6 addresses and ranges', () => {
      expect(holds(on('in_cidr', ['160.33.0.0/16']), { x: '160.33.0.33' })).toBe(true);
      expect(holds(on('in_cidr', ['160.33.0.0/16']), { x: '160.34.0.1' })).toBe(false);
      expect(holds(on('in_cidr', ['127.0.0.1']), { x: '127.0.0.1' })).toBe(true);
      expect(holds(on('in_cidr', ['2001:db8::/32']), { x: '2001:db8:0:1::42' })).toBe(true);
      expect(holds(on('in_cidr', ['2001:db8::/32']), { x: '2001:db9::1' })).toBe(false);
      expect(holds(on('in_cidr', ['2001:db8::1']), { x: '2001:0db8:0000::1' })).toBe(true);
    });

    it('matches an IPv4-mapped IPv6 address against an IPv4 range', () => {
      expect(holds(on('in_cidr', ['10.0.0.0/8']), { x: '::ffff:10.1.2.3' })).toBe(true);
    });

    it('ignores entries that are not ranges and attributes that are not addresses', () => {
      expect(holds(on('in_cidr', ['127.invalid', '192.168.1.0/24']), { x: '192.168.1.42' })).toBe(true);
      expect(holds(on('in_cidr', ['127.invalid']), { x: '127.0.0.1' })).toBe(false);
      expect(holds(on('in_cidr', ['10.0.0.0/33']), { x: '10.0.0.1' })).toBe(false);
      for (const attribute of ['10.0.0.1 ', '010.0.0.1', 'fe80::1%eth0', 'localhost', '']) {
        expect(holds(on('in_cidr', ['0.0.0.0/0', '::/0']), { x: attribute })).toBe(false);
      }
      expect(holds(on('in_cidr', ['0.0.0.0/0']), { x: ['10.0.0.1'] })).toBe(false);
      expect(holds(on('in_cidr', ['0.0.0.0/0']), {})).toBe(false);
    });
  });

  describe('in_segment', () => {
    const segments = {
      'beta-testers': aSegment(),
      staff: aSegment({
        key: 'staff',
        conditions: [
          { attribute: 'email', operator: 'ends_with', values: ['@rampart.dev'] },
          { attribute: 'verified', operator: 'in', values: ['true'] },
        ],
      }),
    };
    const inSegment = (...keys: string[]): Condition => ({ operator: 'in_segment', values: keys });

    it('holds when every condition of one of the segments holds', () => {
      expect(holds(inSegment('staff'), { email: 'a@rampart.dev', verified: true }, { segments })).toBe(true);
      expect(holds(inSegment('staff'), { email: 'a@rampart.dev' }, { segments })).toBe(false);
      expect(holds(inSegment('staff', 'beta-testers'), { email: 'a@example.com' }, { segments })).toBe(true);
    });

    it('holds for no one when the segment is missing, whatever its key', () => {
      expect(holds(inSegment('gone'), { email: 'a@example.com' }, { segments })).toBe(false);
      expect(holds(inSegment('constructor'), {}, { segments })).toBe(false);
    });

    it('can be inverted', () => {
      expect(holds({ ...inSegment('staff'), inverted: true }, { email: 'a@example.com' }, { segments })).toBe(
        true,
      );
    });
  });

  describe('inversion', () => {
    it('negates the result of every operator', () => {
      expect(holds(on('in', ['s1', 's2'], { inverted: true }), { x: 's1' })).toBe(false);
      expect(holds(on('not_in', ['s1', 's2'], { inverted: true }), { x: 's1' })).toBe(true);
      expect(holds(on('contains', ['email'], { inverted: true }), { x: 'test@another.com' })).toBe(true);
      expect(holds(on('num_eq', ['12'], { inverted: true }), { x: '12' })).toBe(false);
      expect(holds(on('num_eq', ['12'], { inverted: true }), { x: '13' })).toBe(true);
    });

    it('negates the missing-attribute result too, as Unleash does', () => {
      expect(holds(on('in', ['a'], { inverted: true }), {})).toBe(true);
      expect(holds(on('not_in', ['a'], { inverted: true }), {})).toBe(false);
      expect(holds(on('starts_with', ['a'], { inverted: true }), {})).toBe(true);
      expect(holds(on('num_gt', ['1'], { inverted: true }), {})).toBe(true);
      expect(holds(on('date_after', ['2000-01-01T00:00:00Z'], { inverted: true }), {})).toBe(true);
    });

    it('negates the result for an unusable value the same way', () => {
      expect(holds(on('num_gt', ['1'], { inverted: true }), { x: 'abc' })).toBe(true);
      expect(holds(on('semver_gt', ['1.0.0'], { inverted: true }), { x: 'v2.0.0' })).toBe(true);
    });
  });

  it('reads only the context’s own attributes, never inherited ones', () => {
    for (const attribute of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(holds({ attribute, operator: 'not_in', values: ['x'] }, {})).toBe(true);
      expect(holds({ attribute, operator: 'contains', values: ['function'] }, {})).toBe(false);
    }
    const parsed = JSON.parse('{"__proto__": "pro"}') as EvaluationContext;
    expect(holds({ attribute: '__proto__', operator: 'in', values: ['pro'] }, parsed)).toBe(true);
  });
});
