import fc from 'fast-check';
import { fieldErrorsOf } from '@rampart/flag-evaluation';
import {
  estimateQuantileMs,
  LATENCY_BUCKET_BOUNDS_MS,
  LATENCY_BUCKET_COUNT,
  slowerThan,
  telemetryBucketSchema,
  totalsOver,
} from './telemetry';
import { aBucket, latencyCounts, T0 } from './testing/telemetry-factory';

const errorsOf = (bucket: unknown) => {
  const parsed = telemetryBucketSchema.safeParse(bucket);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
};

describe('LATENCY_BUCKET_BOUNDS_MS', () => {
  it('rises strictly and includes 2 s, the seed threshold', () => {
    const bounds = [...LATENCY_BUCKET_BOUNDS_MS];
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    expect(new Set(bounds).size).toBe(bounds.length);
    expect(bounds).toContain(2_000);
    expect(LATENCY_BUCKET_COUNT).toBe(bounds.length + 1);
  });
});

describe('telemetryBucketSchema', () => {
  it('accepts a bucket and defaults its memory reports to none', () => {
    const { memory: _memory, ...withoutMemory } = aBucket();
    expect(errorsOf(aBucket())).toEqual({});
    expect(telemetryBucketSchema.parse(withoutMemory)).toEqual(aBucket());
  });

  it('refuses more errors than requests', () => {
    expect(errorsOf(aBucket({ requests: 5, errors: 6 }))).toEqual({ errors: ['must not exceed requests'] });
  });

  it('refuses latency counts that do not add up to the requests', () => {
    expect(errorsOf({ ...aBucket({ requests: 5 }), requests: 6 })).toEqual({
      latency: ['counts must add up to requests (6), not 5'],
    });
  });

  it.each([
    ['a latency array of the wrong length', { latency: [0] }, 'latency'],
    ['negative counts', { requests: -1 }, 'requests'],
    ['fractional exceptions', { exceptions: 0.5 }, 'exceptions'],
    ['an unnamed instance', { memory: [{ instance: '', bytes: 1 }] }, 'memory[0].instance'],
    ['an unknown field', { variant: 'on' }, '(root)'],
  ])('refuses %s', (_case, change, field) => {
    expect(Object.keys(errorsOf({ ...aBucket({ requests: 0 }), ...change }))).toContain(field);
  });
});

describe('totalsOver', () => {
  it('sums the buckets overlapping [from, to) and nothing else', () => {
    const buckets = [
      aBucket({ start: T0 - 10_000, requests: 1_000, errors: 1_000 }),
      aBucket({ start: T0, requests: 10, errors: 1, exceptions: 2 }),
      aBucket({ start: T0 + 10_000, requests: 20, errors: 3, slow: 4 }),
      aBucket({ start: T0 + 20_000, requests: 1_000, errors: 1_000 }),
    ];
    const totals = totalsOver(buckets, T0, T0 + 20_000);
    expect(totals).toMatchObject({ requests: 30, errors: 4, exceptions: 2 });
    expect(slowerThan(totals.latency, 2_000)).toBe(4);
    expect(totals.latency.reduce((sum, count) => sum + count, 0)).toBe(30);
  });

  it('counts the bucket a span starts in: an exception in the first seconds of a stage is not lost', () => {
    const stageStart = T0 + 7_000;
    const buckets = [
      aBucket({ start: T0, requests: 3, errors: 1, exceptions: 1 }),
      aBucket({ start: T0 + 10_000, requests: 5 }),
    ];
    expect(totalsOver(buckets, stageStart, T0 + 20_000)).toMatchObject({ requests: 8, exceptions: 1 });
    expect(totalsOver(buckets, T0 + 10_000, T0 + 20_000)).toMatchObject({ requests: 5, exceptions: 0 });
  });

  it('takes, per bucket start, the highest report of any instance, in time order', () => {
    const buckets = [
      aBucket({ start: T0 + 10_000, memory: [{ instance: 'a', bytes: 7 }] }),
      aBucket({ start: T0, memory: [{ instance: 'a', bytes: 5 }] }),
      aBucket({ start: T0, memory: [{ instance: 'b', bytes: 9 }] }),
      aBucket({ start: T0 + 20_000 }),
    ];
    const totals = totalsOver(buckets, T0, T0 + 30_000);
    expect(totals.memoryPeaks).toEqual([9, 7]);
    expect([...totals.instances].sort()).toEqual(['a', 'b']);
  });

  it('leaves out the memory of ignored instances', () => {
    const buckets = [
      aBucket({
        memory: [
          { instance: 'shared', bytes: 9 },
          { instance: 'own', bytes: 3 },
        ],
      }),
    ];
    expect(totalsOver(buckets, T0, T0 + 1, new Set(['shared'])).memoryPeaks).toEqual([3]);
    expect(totalsOver(buckets, T0, T0 + 1, new Set(['shared', 'own'])).memoryPeaks).toEqual([]);
  });
});

describe('slowerThan', () => {
  it('counts the requests above the bound', () => {
    const latency = latencyCounts({ 100: 5, 2_000: 3, 5_000: 2, Infinity: 1 });
    expect(slowerThan(latency, 2_000)).toBe(3);
    expect(slowerThan(latency, 100)).toBe(6);
    expect(slowerThan(latency, 10_000)).toBe(1);
  });

  it('refuses a threshold that is not a bound', () => {
    expect(() => slowerThan(latencyCounts({}), 1_999)).toThrow(RangeError);
  });
});

describe('estimateQuantileMs', () => {
  it('interpolates within the bucket the rank falls in', () => {
    // 90 requests at most 100 ms, 10 in (1 s, 2 s]: p95 is halfway through the last bucket.
    expect(estimateQuantileMs(latencyCounts({ 100: 90, 2_000: 10 }), 0.95)).toBe(1_500);
    expect(estimateQuantileMs(latencyCounts({ 150: 100 }), 0.5)).toBe(125);
    expect(estimateQuantileMs(latencyCounts({ 5: 100 }), 0.5)).toBe(2.5);
  });

  it('answers the last bound past it, and null without requests', () => {
    expect(estimateQuantileMs(latencyCounts({ Infinity: 3 }), 0.95)).toBe(10_000);
    expect(estimateQuantileMs(latencyCounts({}), 0.95)).toBeNull();
  });

  const anyLatency = fc.array(fc.nat({ max: 1_000 }), {
    minLength: LATENCY_BUCKET_COUNT,
    maxLength: LATENCY_BUCKET_COUNT,
  });

  it('rises with the quantile', () => {
    fc.assert(
      fc.property(anyLatency, fc.double({ min: 0.5, max: 0.999, noNaN: true }), (latency, quantile) => {
        const lower = estimateQuantileMs(latency, quantile - 0.1);
        const higher = estimateQuantileMs(latency, quantile);
        if (lower !== null && higher !== null) expect(higher).toBeGreaterThanOrEqual(lower);
      }),
    );
  });

  it('is above a bound exactly when fewer than quantile × n requests are within it: display and test agree', () => {
    fc.assert(
      fc.property(
        anyLatency,
        // Not the last bound: past it the estimate stops at the bound (see the test above).
        fc.constantFrom(...LATENCY_BUCKET_BOUNDS_MS.slice(0, -1)),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99),
        (latency, bound, quantile) => {
          const total = latency.reduce((sum, count) => sum + count, 0);
          fc.pre(total > 0);
          const within = total - slowerThan(latency, bound);
          expect(estimateQuantileMs(latency, quantile)! > bound).toBe(within < quantile * total);
        },
      ),
    );
  });
});
