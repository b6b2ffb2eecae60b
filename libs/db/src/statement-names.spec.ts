import { NAMED_STATEMENTS_MAX, statementNames } from './statement-names';

describe('statementNames', () => {
  it('gives each distinct SQL text its own name, and the same text the same name', () => {
    const name = statementNames();
    const first = name({ sql: 'SELECT 1' });
    const second = name({ sql: 'SELECT 2' });
    expect(first).not.toBe('');
    expect(second).not.toBe('');
    expect(second).not.toBe(first);
    expect(name({ sql: 'SELECT 1' })).toBe(first);
    expect(name({ sql: 'SELECT 2' })).toBe(second);
  });

  it('leaves statements unnamed past the cap, and keeps the names it gave', () => {
    const name = statementNames();
    const given = Array.from({ length: NAMED_STATEMENTS_MAX }, (_, i) => name({ sql: `SELECT ${i}` }));
    expect(new Set(given).size).toBe(NAMED_STATEMENTS_MAX);
    expect(name({ sql: 'SELECT -1' })).toBe('');
    expect(name({ sql: 'SELECT -1' })).toBe('');
    expect(name({ sql: 'SELECT 0' })).toBe(given[0]);
  });
});
