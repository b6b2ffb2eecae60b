import { isStale } from './flag-kinds';
import { aFlag } from './testing/flag-factory';

describe('isStale', () => {
  const createdAt = new Date('2025-01-01T00:00:00Z');
  const day = 86_400_000;

  it('reports release and experiment flags past 40 days', () => {
    for (const kind of ['release', 'experiment'] as const) {
      expect(isStale(aFlag({ kind }), createdAt, new Date(createdAt.getTime() + 40 * day))).toBe(false);
      expect(isStale(aFlag({ kind }), createdAt, new Date(createdAt.getTime() + 40 * day + 1))).toBe(true);
    }
  });

  it('never reports flags meant to stay, or archived ones', () => {
    const muchLater = new Date('2030-01-01T00:00:00Z');
    for (const kind of ['operational', 'kill-switch', 'permission'] as const) {
      expect(isStale(aFlag({ kind }), createdAt, muchLater)).toBe(false);
    }
    expect(isStale(aFlag({ archived: true }), createdAt, muchLater)).toBe(false);
  });
});
