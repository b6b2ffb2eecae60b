import fc from 'fast-check';
import { CONFIDENCE_LEVELS, oneSidedZ, samplesToShowBelow, wilsonInterval } from './wilson';

/** Two-sided 95 %, the z of the published tables. */
const Z_TWO_SIDED_95 = 1.959963984540054;

/** Φ(z) by Simpson's rule on the normal density: an independent check of the z table. */
function standardNormalCdf(z: number): number {
  const steps = 2_000;
  const h = z / steps;
  const density = (x: number): number => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(0) + density(z);
  for (let i = 1; i < steps; i += 1) sum += (i % 2 === 1 ? 4 : 2) * density(i * h);
  return 0.5 + (sum * h) / 3;
}

describe('oneSidedZ', () => {
  it.each(CONFIDENCE_LEVELS)('is the one-sided normal quantile of %p', (confidence) => {
    expect(standardNormalCdf(oneSidedZ(confidence))).toBeCloseTo(confidence, 10);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
  // Medicine 17:857–872, table I, method 3 (score interval without continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i at 95 %% two-sided is [%p, %p] as published', (failures, samples, lower, upper) => {
    const interval = wilsonInterval(failures, samples, Z_TWO_SIDED_95);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('inverts the score test: each bound p solves (p̂ − p)² = z²·p(1 − p)/n', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 1_000_000 })
          .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        fc.constantFrom(...CONFIDENCE_LEVELS),
        ([failures, samples], confidence) => {
          const z = oneSidedZ(confidence);
          const observed = failures / samples;
          const { lower, upper } = wilsonInterval(failures, samples, z);
          for (const bound of [lower, upper]) {
            const lhs = (observed - bound) ** 2;
            const rhs = (z * z * bound * (1 - bound)) / samples;
            expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 + 1e-9 * rhs);
          }
          expect(lower).toBeLessThanOrEqual(observed);
          expect(upper).toBeGreaterThanOrEqual(observed);
        },
      ),
    );
  });

  it('has a lower bound that rises with every failure', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100_000 }), fc.nat(), (samples, seed) => {
        const failures = seed % samples;
        const z = oneSidedZ(0.95);
        expect(wilsonInterval(failures + 1, samples, z).lower).toBeGreaterThan(
          wilsonInterval(failures, samples, z).lower,
        );
      }),
    );
  });

  it('knows nothing without samples', () => {
    expect(wilsonInterval(0, 0, 1.645)).toEqual({ lower: 0, upper: 1 });
  });

  it('is exactly 0 below no failure and 1 above all failures', () => {
    expect(wilsonInterval(0, 500, 1.645).lower).toBe(0);
    expect(wilsonInterval(500, 500, 1.645).upper).toBe(1);
  });

  it.each([
    [-1, 10],
    [11, 10],
    [1.5, 10],
    [0, Number.NaN],
  ])('refuses %p failures in %p samples', (failures, samples) => {
    expect(() => wilsonInterval(failures, samples, 1.645)).toThrow(RangeError);
  });

  it('puts 1 error in 20 at a 95 % lower bound of 1.12 %: only minSamples keeps it from breaching 1 %', () => {
    expect(wilsonInterval(1, 20, oneSidedZ(0.95)).lower).toBeCloseTo(0.011235, 6);
  });

  it('puts 50 errors in 1000 at a 95 % lower bound of 3.98 %', () => {
    expect(wilsonInterval(50, 1_000, oneSidedZ(0.95)).lower).toBeCloseTo(0.039828, 6);
  });
});

describe('samplesToShowBelow', () => {
  it.each([
    [0.01, 0.95, 268],
    [0.05, 0.95, 52],
    [0.01, 0.99, 536],
    [0.01, 0.9, 163],
  ] as const)('needs n for %p at %p: %i', (threshold, confidence, n) => {
    expect(samplesToShowBelow(threshold, confidence)).toBe(n);
  });

  it('is the smallest n whose clean run has an upper bound below the threshold', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.constantFrom(...CONFIDENCE_LEVELS),
        (threshold, confidence) => {
          const n = samplesToShowBelow(threshold, confidence);
          const z = oneSidedZ(confidence);
          expect(wilsonInterval(0, n, z).upper).toBeLessThan(threshold);
          expect(wilsonInterval(0, n - 1, z).upper).toBeGreaterThanOrEqual(threshold);
        },
      ),
    );
  });

  it.each([0, 1, -0.1, Number.NaN])('refuses the threshold %p', (threshold) => {
    expect(() => samplesToShowBelow(threshold, 0.95)).toThrow(RangeError);
  });
});
