import { BUCKET_MS, BUCKET_TTL_MS, bucketKey, bucketStart, bucketStartsIn } from './telemetry-layout';

describe('telemetry layout', () => {
  it('puts a time in the 10-s bucket it falls in', () => {
    expect(bucketStart(1_700_000_009_999)).toBe(1_700_000_000_000);
    expect(bucketStart(1_700_000_010_000)).toBe(1_700_000_010_000);
  });

  it('lists the buckets that start in [from, to), whatever the edges', () => {
    expect(bucketStartsIn(5_000, 30_000)).toEqual([10_000, 20_000]);
    expect(bucketStartsIn(10_000, 30_001)).toEqual([10_000, 20_000, 30_000]);
    expect(bucketStartsIn(10_000, 10_000)).toEqual([]);
  });

  it('keeps buckets past the longest span a rollout reads (7 days)', () => {
    expect(BUCKET_TTL_MS).toBeGreaterThan(7 * 24 * 3_600_000);
    expect(BUCKET_TTL_MS % BUCKET_MS).toBe(0);
  });

  it('names one key per flag, variant and bucket', () => {
    expect(bucketKey('rampart', 'checkout', 'on', 10_000)).toBe('rampart:telemetry:bucket:checkout:on:10000');
  });
});
