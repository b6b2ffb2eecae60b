import { jsonNestsDeeperThan } from './json-body';

describe('jsonNestsDeeperThan', () => {
  it('counts nested objects and arrays', () => {
    expect(jsonNestsDeeperThan('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[1,{"b":2}]}', 2)).toBe(true);
    expect(jsonNestsDeeperThan('"plain"', 0)).toBe(false);
  });

  it('measures depth, not the number of brackets', () => {
    expect(jsonNestsDeeperThan(`[${'[],'.repeat(10_000)}[]]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: 'say \\"[[[[\\"' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '\\' }) + '[[[', 1)).toBe(true);
  });

  it('flags the 4 KB body of 2,000 nested arrays without recursing', () => {
    const body = `${'['.repeat(2_000)}${']'.repeat(2_000)}`;
    expect(jsonNestsDeeperThan(body, 32)).toBe(true);
    expect(jsonNestsDeeperThan('['.repeat(1_000_000), 32)).toBe(true);
  });
});
