import {
  MAX_CONTEXT_ARRAY_ITEMS,
  MAX_CONTEXT_ATTRIBUTES,
  MAX_CONTEXT_BYTES,
  MAX_CONTEXT_STRING_LENGTH,
} from './bounds';
import { checkEvaluationContext } from './evaluation-context';

function details(input: unknown): string | undefined {
  const checked = checkEvaluationContext(input);
  return checked.ok ? undefined : checked.details;
}

describe('checkEvaluationContext', () => {
  it('accepts a targeting key and attributes of the supported types', () => {
    const context = {
      targetingKey: 'user-1',
      email: 'a@example.com',
      age: 42,
      beta: true,
      groups: ['staff', 'admins'],
      signedUpAt: '2024-05-01T10:00:00Z',
      nothing: null,
    };
    expect(checkEvaluationContext(context)).toEqual({ ok: true, context });
  });

  it('reads no context as an empty one', () => {
    expect(checkEvaluationContext(undefined)).toEqual({ ok: true, context: {} });
    expect(checkEvaluationContext(null)).toEqual({ ok: true, context: {} });
  });

  it.each([
    ['a string', 'user-1'],
    ['a number', 42],
    ['an array', ['a']],
    ['a date', new Date()],
    ['a map', new Map([['a', 'b']])],
  ])('refuses %s as a context', (_, input) => {
    expect(details(input)).toBe('the evaluation context must be a JSON object');
  });

  it.each([
    [
      'a nested object',
      { address: { city: 'Oslo' } },
      'attribute "address" is not a string, number, boolean or list of strings',
    ],
    ['a list of numbers', { ids: [1, 2] }, 'attribute "ids" is a list with an item that is not a string'],
    ['a non-finite number', { score: Number.NaN }, 'attribute "score" is not a finite number'],
    ['a lone surrogate', { name: '\ud800' }, 'attribute "name" is not well-formed Unicode'],
    ['a numeric targeting key', { targetingKey: 7 }, 'targetingKey must be a string'],
    [
      'an empty attribute name',
      { '': 'x' },
      'attribute names must be 1 to 64 characters of well-formed Unicode',
    ],
  ])('refuses %s', (_, input, expected) => {
    expect(details(input)).toBe(expected);
  });

  it('bounds the number of attributes, their length and the total size', () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_CONTEXT_ATTRIBUTES + 1 }, (_, i) => [`a${i}`, i]),
    );
    expect(details(many)).toMatch(/more than 50 attributes/);
    expect(details({ a: 'x'.repeat(MAX_CONTEXT_STRING_LENGTH + 1) })).toMatch(/longer than 1024 characters/);
    expect(details({ a: Array.from({ length: MAX_CONTEXT_ARRAY_ITEMS + 1 }, () => 'x') })).toMatch(
      /more than 100 items/,
    );
    expect(details({ ['n'.repeat(65)]: 'x' })).toMatch(/1 to 64 characters/);
    const large = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, 'x'.repeat(1_000)]));
    expect(details(large)).toBe(`the evaluation context is larger than ${MAX_CONTEXT_BYTES} bytes`);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 17 attributes of 1,000 three-byte characters: 17,000 characters but about 51 KB.
    const wide = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`a${i}`, '€'.repeat(1_000)]));
    expect(details(wide)).toMatch(/larger than/);
    const narrow = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`a${i}`, 'e'.repeat(1_000)]));
    expect(details(narrow)).toBeUndefined();
  });

  it('takes __proto__ from JSON as an ordinary attribute', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(details(parsed)).toMatch(/attribute "__proto__"/);
    expect(details(JSON.parse('{"__proto__": "x"}'))).toBeUndefined();
  });
});
