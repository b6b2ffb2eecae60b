import { unsafeStringFields } from './unsafe-strings';

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
