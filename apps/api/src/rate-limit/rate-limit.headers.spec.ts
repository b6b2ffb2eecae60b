import {
  type ThrottlerStorageRecord,
  mostRestrictive,
  policyHeader,
  rateLimitHeaders,
  retryAfterSeconds,
  stateHeader,
} from './rate-limit.headers';

const auth = { name: 'auth', limit: 5, windowMs: 60_000 };

function record(overrides: Partial<ThrottlerStorageRecord> = {}): ThrottlerStorageRecord {
  return { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0, ...overrides };
}

describe('rate-limit headers', () => {
  it('states the policy as a Structured Field item: name, quota and window in seconds', () => {
    expect(policyHeader(auth)).toBe('"auth";q=5;w=60');
    expect(policyHeader({ name: 'api', limit: 50, windowMs: 1_500 })).toBe('"api";q=50;w=2');
  });

  it('escapes the policy name as a Structured Field String', () => {
    expect(policyHeader({ name: 'a"b\\c', limit: 1, windowMs: 1_000 })).toBe('"a\\"b\\\\c";q=1;w=1');
  });

  it('states what is left and when the window resets', () => {
    expect(stateHeader(auth, record({ totalHits: 2, timeToExpire: 42 }))).toBe('"auth";r=3;t=42');
    expect(stateHeader(auth, record({ totalHits: 5, timeToExpire: 1 }))).toBe('"auth";r=0;t=1');
  });

  it('on a refusal: nothing left, reset when the client may retry, and Retry-After', () => {
    const refused = record({ totalHits: 9, timeToExpire: 30, isBlocked: true, timeToBlockExpire: 30 });
    expect(rateLimitHeaders(auth, refused)).toEqual({
      'ratelimit-policy': '"auth";q=5;w=60',
      ratelimit: '"auth";r=0;t=30',
      'retry-after': '30',
    });
  });

  it('has no Retry-After while requests are allowed', () => {
    expect(rateLimitHeaders(auth, record())).toEqual({
      'ratelimit-policy': '"auth";q=5;w=60',
      ratelimit: '"auth";r=4;t=60',
    });
  });

  it('never tells a refused client to retry in less than a second', () => {
    expect(retryAfterSeconds(record({ isBlocked: true, timeToBlockExpire: 0 }))).toBe(1);
    expect(retryAfterSeconds(record({ isBlocked: true, timeToBlockExpire: 0.2 }))).toBe(1);
  });
});

describe('mostRestrictive', () => {
  it('prefers a refusing counter, and of those the longest wait', () => {
    const short = record({ totalHits: 6, isBlocked: true, timeToBlockExpire: 10 });
    const long = record({ totalHits: 6, isBlocked: true, timeToBlockExpire: 50 });
    expect(mostRestrictive([record({ totalHits: 1 }), short])).toBe(short);
    expect(mostRestrictive([short, long, record()])).toBe(long);
  });

  it('otherwise the counter with the fewest requests left', () => {
    const busy = record({ totalHits: 4 });
    expect(mostRestrictive([record({ totalHits: 1 }), busy])).toBe(busy);
  });

  it('needs a record', () => {
    expect(() => mostRestrictive([])).toThrow();
  });
});
