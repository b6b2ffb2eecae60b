import { MAX_FLAGS } from './bounds';
import { fieldPath } from './field-errors';
import { validateFlagSet } from './flag-set-schema';
import { aFlag, aRule, aSegment, aSnapshot } from './testing/flag-factory';

function errorsOf(input: unknown): Record<string, string[]> {
  const validation = validateFlagSet(input);
  return validation.ok ? {} : validation.errors;
}

describe('validateFlagSet', () => {
  const parent = aFlag({ key: 'login', variants: { on: true, off: false } });

  it('accepts a set whose references all lead somewhere', () => {
    const child = aFlag({
      prerequisites: [{ flag: 'login', enabled: true, variants: ['on'] }],
      rules: [aRule([{ operator: 'in_segment', values: ['beta-testers'] }])],
    });
    const validation = validateFlagSet(aSnapshot([parent, child], [aSegment()]));
    expect(validation).toEqual({ ok: true, snapshot: aSnapshot([parent, child], [aSegment()]) });
  });

  it('names each field that is wrong with its full path', () => {
    const broken = aFlag({
      rules: [aRule(), aRule(), aRule([{ attribute: 'plan', operator: 'matches' as never, values: ['x'] }])],
    });
    expect(errorsOf(aSnapshot([broken]))).toEqual({
      'flags.checkout.rules[2].conditions[0].operator': [expect.stringContaining('Invalid option') as string],
    });
  });

  it('needs each flag and segment under its own key', () => {
    expect(errorsOf({ version: 1, flags: { other: aFlag() }, segments: { x: aSegment() } })).toEqual({
      'flags.other.key': ['must equal its key in the set ("other")'],
      'segments.x.key': ['must equal its key in the set ("x")'],
    });
  });

  it('refuses prerequisites that are missing, archived or ask for a variant the parent lacks', () => {
    const child = aFlag({
      prerequisites: [
        { flag: 'nowhere', enabled: true },
        { flag: 'login', enabled: true, variants: ['on', 'blue'] },
        { flag: 'old', enabled: true },
      ],
    });
    const old = aFlag({ key: 'old', archived: true });
    expect(errorsOf(aSnapshot([parent, child, old]))).toEqual({
      'flags.checkout.prerequisites[0].flag': ['there is no flag "nowhere" in the set'],
      'flags.checkout.prerequisites[1].variants[1]': ['"login" has no variant "blue"'],
      'flags.checkout.prerequisites[2].flag': ['"old" is archived'],
    });
  });

  it('keeps prerequisites one level deep', () => {
    const grandparent = aFlag({ key: 'platform' });
    const middle = aFlag({ key: 'login', prerequisites: [{ flag: 'platform', enabled: true }] });
    const child = aFlag({ prerequisites: [{ flag: 'login', enabled: true }] });
    expect(errorsOf(aSnapshot([grandparent, middle, child]))).toEqual({
      'flags.checkout.prerequisites[0].flag': [
        '"login" has prerequisites of its own; prerequisites are one level deep',
      ],
    });
  });

  it('refuses prerequisite cycles, naming the cycle', () => {
    const a = aFlag({ key: 'a', prerequisites: [{ flag: 'b', enabled: true }] });
    const b = aFlag({ key: 'b', prerequisites: [{ flag: 'a', enabled: true }] });
    expect(errorsOf(aSnapshot([a, b]))).toEqual({
      'flags.a.prerequisites[0].flag': ['prerequisites form a cycle: a → b → a'],
      'flags.b.prerequisites[0].flag': ['prerequisites form a cycle: b → a → b'],
    });
    const self = aFlag({ key: 'self', prerequisites: [{ flag: 'self', enabled: true }] });
    expect(errorsOf(aSnapshot([self]))).toEqual({
      'flags.self.prerequisites[0].flag': ['a flag cannot be its own prerequisite'],
    });
  });

  it('refuses references to segments the set does not have', () => {
    const flag = aFlag({ rules: [aRule([{ operator: 'in_segment', values: ['beta-testers', 'gone'] }])] });
    expect(errorsOf(aSnapshot([flag], [aSegment()]))).toEqual({
      'flags.checkout.rules[0].conditions[0].values[1]': ['there is no segment "gone" in the set'],
    });
  });

  it('does not hold archived flags to their references', () => {
    const archived = aFlag({ archived: true, prerequisites: [{ flag: 'nowhere', enabled: true }] });
    expect(errorsOf(aSnapshot([archived]))).toEqual({});
  });

  it('refuses segments that refer to segments', () => {
    const nested = aSegment({ conditions: [{ operator: 'in_segment', values: ['beta-testers'] }] });
    expect(errorsOf(aSnapshot([], [nested]))).toEqual({
      'segments.beta-testers.conditions[0].operator': ['a segment cannot refer to other segments'],
    });
  });

  it('bounds the number of flags', () => {
    const flags = Array.from({ length: MAX_FLAGS + 1 }, (_, index) => aFlag({ key: `flag-${index}` }));
    expect(errorsOf(aSnapshot(flags))).toEqual({ flags: [`must have at most ${MAX_FLAGS} flags`] });
  });

  it('refuses what is not a flag set', () => {
    expect(Object.keys(errorsOf(null))).toEqual(['(root)']);
    expect(Object.keys(errorsOf({ version: -1, flags: {} }))).toEqual(['version']);
  });
});

describe('fieldPath', () => {
  it('writes keys after dots and indexes in brackets, quoting keys a dot would split', () => {
    expect(fieldPath(['flags', 'checkout', 'rules', 2, 'conditions', 0, 'operator'])).toBe(
      'flags.checkout.rules[2].conditions[0].operator',
    );
    expect(fieldPath(['flags', 'checkout.v2', 'key'])).toBe('flags["checkout.v2"].key');
    expect(fieldPath(['metadata', 'a b'])).toBe('metadata["a b"]');
    expect(fieldPath([])).toBe('(root)');
  });
});
