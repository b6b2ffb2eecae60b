import {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATE_LIMIT_SETTINGS,
  RATE_LIMIT_TIERS,
  parseRateLimit,
  throttlerOptions,
} from './rate-limit.tiers';

describe('parseRateLimit', () => {
  it('reads <limit>/<seconds> as a limit and a window in milliseconds', () => {
    expect(parseRateLimit('5/60')).toEqual({ limit: 5, ttlMs: 60_000 });
    expect(parseRateLimit('1000/3600')).toEqual({ limit: 1000, ttlMs: 3_600_000 });
    expect(parseRateLimit(' 10/1 ')).toEqual({ limit: 10, ttlMs: 1_000 });
  });

  it.each([
    '',
    '5',
    '5/',
    '/60',
    '5/60s',
    '5 / 60',
    '5/60/2',
    '-5/60',
    '5/-60',
    '0/60',
    '5/0',
    '1.5/60',
    '5/1e3',
    'five/60',
    '2000000/60',
    '5/100000',
  ])('refuses %j', (value) => {
    expect(() => parseRateLimit(value)).toThrow(/expected <limit>\/<seconds> such as 5\/60/);
  });

  it('names the bad value in its message', () => {
    expect(() => parseRateLimit('lots')).toThrow('got "lots"');
  });
});

describe('tiers', () => {
  it('defaults to the seeds: auth 5, login 10, api 50, expensive 20 a minute; OFREP 6,000 per key', () => {
    expect(DEFAULT_RATE_LIMITS).toEqual({
      auth: { limit: 5, ttlMs: 60_000 },
      login: { limit: 10, ttlMs: 60_000 },
      api: { limit: 50, ttlMs: 60_000 },
      expensive: { limit: 20, ttlMs: 60_000 },
      ofrep: { limit: 6_000, ttlMs: 60_000 },
      telemetry: { limit: 1_200, ttlMs: 60_000 },
    });
    expect(DEFAULT_RATE_LIMIT_SETTINGS.enabled).toBe(true);
  });

  it('makes one named fixed-window throttler per tier, without the library headers', () => {
    const options = throttlerOptions(DEFAULT_RATE_LIMIT_SETTINGS);
    expect(options.throttlers.map((throttler) => throttler.name)).toEqual([...RATE_LIMIT_TIERS]);
    expect(options.throttlers.find((throttler) => throttler.name === 'login')).toEqual({
      name: 'login',
      limit: 10,
      ttl: 60_000,
      blockDuration: 0,
    });
    expect(options.setHeaders).toBe(false);
    expect(options.skipIf).toBeUndefined();
  });

  it('skips every throttler when disabled', () => {
    const options = throttlerOptions({ ...DEFAULT_RATE_LIMIT_SETTINGS, enabled: false });
    expect(options.skipIf?.({} as never)).toBe(true);
  });
});
