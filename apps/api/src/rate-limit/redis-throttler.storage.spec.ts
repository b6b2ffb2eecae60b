import { recordsOf } from './redis-throttler.storage';

// The script's reply: hits after the batch, window pttl, block pttl before the call, block pttl after.
describe('recordsOf', () => {
  it('numbers a batch in order and refuses the hits past the limit, waiting for the window', () => {
    const records = recordsOf([5, 42_000, -2, -2], 3, 3);
    expect(records).toEqual([
      { totalHits: 3, timeToExpire: 42, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 4, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 },
      { totalHits: 5, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 },
    ]);
  });

  it('makes the hits past the limit wait for a block set in the same call when it outlasts the window', () => {
    const [inside, past] = recordsOf([2, 300, -2, 1_500], 2, 1);
    expect(inside).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(past).toMatchObject({ totalHits: 2, isBlocked: true, timeToBlockExpire: 2 });
  });

  it('refuses every hit while a block from before the call lives, within the limit or not', () => {
    const records = recordsOf([2, 60_000, 800, 800], 2, 10);
    expect(records.map((record) => [record.totalHits, record.isBlocked, record.timeToBlockExpire])).toEqual([
      [1, true, 1],
      [2, true, 1],
    ]);
  });

  it('rejects a reply of any other shape', () => {
    expect(() => recordsOf([1, 2, 3], 1, 1)).toThrow('unexpected reply');
    expect(() => recordsOf('OK', 1, 1)).toThrow('unexpected reply');
  });
});
