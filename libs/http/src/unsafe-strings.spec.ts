import fc from 'fast-check';
import { hasUnsafeStrings, unsafeStringFields } from './unsafe-strings';

describe('unsafeStringFields', () => {
  it('finds nothing in clean values, emoji (surrogate pairs) included', () => {
    expect(unsafeStringFields({ email: 'ada@example.com', name: 'Ada 🚀', tags: ['a', 'b'], n: 3 })).toEqual(
      {},
    );
    expect(unsafeStringFields(undefined)).toEqual({});
    expect(unsafeStringFields(null)).toEqual({});
  });

  it('names a field holding a NUL or a lone surrogate by its path', () => {
    expect(
      unsafeStringFields({
        actor: 'a\0b',
        email: '\ud800',
        nested: { list: ['ok', 'x\udc00'] },
      }),
    ).toEqual({
      actor: ['must not contain NUL characters'],
      email: ['must be well-formed Unicode (no lone surrogates)'],
      'nested.list.1': ['must be well-formed Unicode (no lone surrogates)'],
    });
  });

  it('checks keys too, and shows them without the offending characters', () => {
    expect(unsafeStringFields({ 'a\0': 1 })).toEqual({
      'a\uFFFD': ['field name must not contain NUL characters'],
    });
  });

  it('names a bare string by a placeholder and applies a prefix', () => {
    expect(unsafeStringFields('\0')).toEqual({ '(root)': ['must not contain NUL characters'] });
    expect(unsafeStringFields(['\0'], 'items')).toEqual({ 'items.0': ['must not contain NUL characters'] });
  });

  it('stops at a bounded depth instead of overflowing the stack', () => {
    let deep: unknown = '\0';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(() => unsafeStringFields(deep)).not.toThrow();
  });
});

describe('hasUnsafeStrings', () => {
  /** Strings that are mostly clean, sometimes with a NUL, a lone surrogate or an emoji in them. */
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom('\0', 'a\0', '\ud800', 'x\udfff', '🚀', '\ud83d\ude80') },
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(text, tie('node'), { maxKeys: 4 }),
    ),
  })).node;

  it('finds something exactly when unsafeStringFields names a field', () => {
    fc.assert(
      fc.property(value, (generated) => {
        expect(hasUnsafeStrings(generated)).toBe(Object.keys(unsafeStringFields(generated)).length > 0);
      }),
      { numRuns: 2_000 },
    );
  });

  it('checks keys, not only values, and reads only own keys', () => {
    expect(hasUnsafeStrings({ 'a\0': 1 })).toBe(true);
    expect(hasUnsafeStrings({ ok: ['fine', { deeper: '\udc00' }] })).toBe(true);
    expect(hasUnsafeStrings(Object.create({ inherited: '\0' }) as unknown)).toBe(false);
    expect(hasUnsafeStrings({ email: 'ada@example.com', name: 'Ada 🚀' })).toBe(false);
  });

  it('stops at the same bounded depth', () => {
    let deep: unknown = '\0';
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(hasUnsafeStrings(deep)).toBe(false);
    let shallow: unknown = '\0';
    for (let i = 0; i < 63; i += 1) shallow = [shallow];
    expect(hasUnsafeStrings(shallow)).toBe(true);
  });
});
