import fc from 'fast-check';
import { bucketOf, inRollout, pickVariant, ROLLOUT_SEED, VARIANT_SEED } from './bucketing';

describe('bucketing', () => {
  it('places users where Unleash does (10-flexible-rollout-strategy)', () => {
    // userId 174 is in a 10 % rollout of Feature.flexibleRollout.10, userId 499 is not.
    expect(bucketOf('Feature.flexibleRollout.10', '174', ROLLOUT_SEED, 100)).toBeLessThanOrEqual(10);
    expect(inRollout('Feature.flexibleRollout.10', '174', 10)).toBe(true);
    expect(inRollout('Feature.flexibleRollout.10', '499', 10)).toBe(false);
  });

  it('includes no one at 0 % and everyone at 100 %', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (groupId, id) => {
        expect(inRollout(groupId, id, 0)).toBe(false);
        expect(inRollout(groupId, id, 100)).toBe(true);
      }),
    );
  });

  it('keeps buckets in 1..modulus', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 100_000 }), (groupId, id, modulus) => {
        const bucket = bucketOf(groupId, id, VARIANT_SEED, modulus);
        expect(bucket).toBeGreaterThanOrEqual(1);
        expect(bucket).toBeLessThanOrEqual(modulus);
      }),
    );
  });

  it('picks variants by running weight, skipping zero weights (16-strategy-variants)', () => {
    const split = [
      { variant: 'variantNameA', weight: 1 },
      { variant: 'variantNameB', weight: 1 },
    ];
    expect(pickVariant('a', '5', split)).toBe('variantNameA');
    expect(pickVariant('a', '0', split)).toBe('variantNameB');
    expect(pickVariant('a', '0', [{ variant: 'never', weight: 0 }, ...split])).toBe('variantNameB');
    expect(pickVariant('a', '0', [{ variant: 'never', weight: 0 }])).toBeUndefined();
  });

  it('spreads many users evenly over rollouts and splits, whatever the group', () => {
    const users = Array.from({ length: 10_000 }, (_, index) => `user-${index}`);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (groupId) => {
        const inHalf = users.filter((user) => inRollout(groupId, user, 50)).length / users.length;
        expect(inHalf).toBeGreaterThan(0.47);
        expect(inHalf).toBeLessThan(0.53);
        const split = [
          { variant: 'a', weight: 1 },
          { variant: 'b', weight: 1 },
          { variant: 'c', weight: 2 },
        ];
        const counts = { a: 0, b: 0, c: 0 };
        for (const user of users) counts[pickVariant(groupId, user, split) as 'a' | 'b' | 'c'] += 1;
        expect(counts.a / users.length).toBeCloseTo(0.25, 1);
        expect(counts.b / users.length).toBeCloseTo(0.25, 1);
        expect(counts.c / users.length).toBeCloseTo(0.5, 1);
      }),
      { numRuns: 20 },
    );
  });

  it('draws the rollout and the variant independently (two seeds)', () => {
    const users = Array.from({ length: 10_000 }, (_, index) => `user-${index}`);
    const split = [
      { variant: 'a', weight: 1 },
      { variant: 'b', weight: 1 },
    ];
    const included = users.filter((user) => inRollout('checkout', user, 20));
    const shareOfA =
      included.filter((user) => pickVariant('checkout', user, split) === 'a').length / included.length;
    expect(shareOfA).toBeGreaterThan(0.45);
    expect(shareOfA).toBeLessThan(0.55);
  });
});
