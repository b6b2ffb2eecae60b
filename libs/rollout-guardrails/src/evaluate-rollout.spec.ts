import fc from 'fast-check';
import { evaluateRollout, type RolloutEvaluationInput } from './evaluate-rollout';
import type { Guardrail } from './guardrail-schema';
import { seedGuardrails } from './rollout-plan';
import type { TelemetryBucket } from './telemetry';
import {
  aBucket,
  aLatencyGuardrail,
  aMemoryGuardrail,
  anErrorRateGuardrail,
  anExceptionsGuardrail,
  aStage,
  BUCKET_MS,
  T0,
  traffic,
} from './testing/telemetry-factory';

const MIN = 60_000;
const GiB = 2 ** 30;
const HOLD_END = T0 + 30 * MIN;

/** An evaluation of the error-rate guardrail alone, at `now`, on `target` (healthy control-free traffic by default). */
function input(overrides: Partial<RolloutEvaluationInput> = {}): RolloutEvaluationInput {
  const now = overrides.now ?? T0 + 5 * MIN;
  return {
    now,
    stage: aStage(),
    guardrails: [anErrorRateGuardrail()],
    target: traffic(T0, now, { requests: 100 }),
    control: [],
    state: {},
    ...overrides,
  };
}

describe('evaluateRollout', () => {
  describe('rollback', () => {
    it('rolls back at once on an uncaught exception in the target, mid-hold', () => {
      const now = T0 + 2 * MIN;
      const target = [...traffic(T0, now), aBucket({ start: T0 + MIN, exceptions: 1 })];
      const result = evaluateRollout(
        input({ now, target, guardrails: [anErrorRateGuardrail(), anExceptionsGuardrail()] }),
      );
      expect(result.decision).toBe('rollback');
      expect(result.reason).toContain('uncaught exception');
      expect(result.state.exceptions).toEqual({ breachingSince: now });
    });

    it('counts an exception in the bucket still filling, but no other figure from it', () => {
      const now = T0 + 2 * MIN + 4_000; // 4 s into a bucket
      const open = now - 4_000;
      const guardrails = [anErrorRateGuardrail(), anExceptionsGuardrail()];
      const thrown = evaluateRollout(
        input({ now, guardrails, target: [...traffic(T0, open), aBucket({ start: open, exceptions: 1 })] }),
      );
      expect(thrown.decision).toBe('rollback');
      // The same bucket full of errors is not judged until it closes.
      const failing = evaluateRollout(
        input({
          now,
          guardrails,
          target: [...traffic(T0, open), aBucket({ start: open, requests: 1_000, errors: 1_000 })],
        }),
      );
      expect(failing.decision).toBe('continue');
      expect(failing.guardrails[0]).toMatchObject({ status: 'healthy', to: open });
    });

    it('rolls back on an exception anywhere in the stage, not only a recent window', () => {
      const now = T0 + 5 * 60 * MIN;
      const target = [...traffic(now - MIN, now), aBucket({ start: T0, exceptions: 1 })];
      const result = evaluateRollout(input({ now, target, guardrails: [anExceptionsGuardrail()] }));
      expect(result.decision).toBe('rollback');
    });

    it('marks the start of a breach and holds on', () => {
      const now = T0 + 10 * MIN;
      const result = evaluateRollout(input({ now, target: traffic(T0, now, { requests: 100, errors: 5 }) }));
      expect(result.decision).toBe('continue');
      expect(result.guardrails[0]).toMatchObject({ status: 'breaching', breachingSince: now });
      expect(result.state).toEqual({ 'error-rate': { breachingSince: now } });
      expect(result.reason).toContain('not yet for their duration: error-rate');
    });

    it('rolls back once the breach has lasted forMs, and not a millisecond earlier', () => {
      const now = T0 + 20 * MIN;
      const target = traffic(T0, now, { requests: 100, errors: 5 });
      const since = (ms: number) => ({ 'error-rate': { breachingSince: ms } });
      expect(evaluateRollout(input({ now, target, state: since(now - 10 * MIN) })).decision).toBe('rollback');
      expect(evaluateRollout(input({ now, target, state: since(now - 10 * MIN + 1) })).decision).toBe(
        'continue',
      );
    });

    it('forgets a breach when the guardrail is healthy again', () => {
      const result = evaluateRollout(input({ state: { 'error-rate': { breachingSince: T0 } } }));
      expect(result.state).toEqual({ 'error-rate': { breachingSince: null } });
    });

    it('keeps the start of a breach through insufficient data, but never rolls back on it', () => {
      const now = T0 + 25 * MIN;
      const target = traffic(now - MIN, now, { requests: 1 });
      const result = evaluateRollout(input({ now, target, state: { 'error-rate': { breachingSince: T0 } } }));
      expect(result.decision).toBe('continue');
      expect(result.guardrails[0]).toMatchObject({ status: 'insufficient', breachingSince: T0 });
    });

    it('rolls back a sustained memory breach', () => {
      const now = T0 + 15 * MIN;
      const target = traffic(T0, now, { memory: [{ instance: 'pod-1', bytes: 1.5 * GiB }] });
      const state = { memory: { breachingSince: now - 10 * MIN } };
      const result = evaluateRollout(input({ now, target, state, guardrails: [aMemoryGuardrail()] }));
      expect(result.decision).toBe('rollback');
      expect(result.reason).toContain('memory');
    });

    it('rolls back a sustained latency breach', () => {
      const now = T0 + 15 * MIN;
      const target = traffic(T0, now, { requests: 100, slow: 20 });
      const state = { 'p95-latency': { breachingSince: now - 10 * MIN } };
      expect(evaluateRollout(input({ now, target, state, guardrails: [aLatencyGuardrail()] })).decision).toBe(
        'rollback',
      );
    });
  });

  describe('holding', () => {
    it('holds while the hold lasts, however healthy, and says until when', () => {
      const result = evaluateRollout(input());
      expect(result).toMatchObject({ decision: 'continue', holdEndsAt: HOLD_END });
      expect(result.reason).toBe('holding until the hold ends in 25 min');
    });

    it('counts the extensions used into the hold', () => {
      const now = HOLD_END + 5 * MIN;
      const stage = aStage({ extensionsUsed: 1, extensionMs: 10 * MIN });
      const result = evaluateRollout(input({ now, stage, target: traffic(T0, now) }));
      expect(result).toMatchObject({ decision: 'continue', holdEndsAt: HOLD_END + 10 * MIN });
    });
  });

  describe('at the end of the hold', () => {
    const now = HOLD_END;

    it('advances when every guardrail is healthy now and over the stage', () => {
      const result = evaluateRollout(
        input({
          now,
          guardrails: seedGuardrails(),
          target: traffic(T0, now, { memory: [{ instance: 'a', bytes: GiB / 2 }] }),
        }),
      );
      expect(result.decision).toBe('advance');
      expect(result.guardrails.map(({ status, stage }) => [status, stage.status])).toEqual(
        Array.from({ length: 4 }, () => ['healthy', 'healthy']),
      );
    });

    it('waits for approval instead when the stage asks for it', () => {
      const result = evaluateRollout(input({ now, stage: aStage({ requireApproval: true }) }));
      expect(result.decision).toBe('await_approval');
    });

    it('holds on while a guardrail breaches, not yet for its duration', () => {
      const target = traffic(T0, now, { requests: 100, errors: 5 });
      const result = evaluateRollout(
        input({ now, target, state: { 'error-rate': { breachingSince: now - MIN } } }),
      );
      expect(result.decision).toBe('continue');
      expect(result.reason).toContain('hold over, but breaching');
    });

    it('extends the hold when a guardrail lacks data now', () => {
      const target = [...traffic(T0, now - 20 * MIN), ...traffic(now - 20 * MIN, now, { requests: 1 })];
      const result = evaluateRollout(input({ now, target }));
      expect(result.decision).toBe('extend_hold');
      expect(result.reason).toBe('not enough data to conclude (error-rate): extension 1 of 2');
      expect(result.guardrails[0]!.stage.status).toBe('healthy');
    });

    it('extends the hold when the stage as a whole lacks data', () => {
      const result = evaluateRollout(
        input({ now, guardrails: [anErrorRateGuardrail({ minSamples: 100_000 })] }),
      );
      expect(result.decision).toBe('extend_hold');
    });

    it('pauses as inconclusive once the extensions are used up', () => {
      const stage = aStage({ extensionsUsed: 2, maxExtensions: 2, extensionMs: 10 * MIN });
      const later = now + 20 * MIN;
      const result = evaluateRollout(
        input({ now: later, stage, target: traffic(T0, later, { requests: 0 }) }),
      );
      expect(result.decision).toBe('pause_inconclusive');
      expect(result.reason).toContain('after 2 extensions: a person decides');
    });

    it('never extends a stage that allows no extension', () => {
      const stage = aStage({ maxExtensions: 0 });
      expect(evaluateRollout(input({ now, stage, target: [] })).decision).toBe('pause_inconclusive');
    });

    it('holds on when the stage as a whole breached though the window is healthy now', () => {
      const target = [
        ...traffic(T0, now - 10 * MIN, { requests: 100, errors: 10 }),
        ...traffic(now - 10 * MIN, now, { requests: 100 }),
      ];
      const result = evaluateRollout(input({ now, target }));
      expect(result.guardrails[0]).toMatchObject({ status: 'healthy', stage: { status: 'breaching' } });
      expect(result.decision).toBe('continue');
      expect(result.reason).toContain('breaching over the stage as a whole');
    });

    it('holds on, without rolling back, while the control fails as much as the target', () => {
      const target = traffic(T0, now, { requests: 100, errors: 5 });
      const control = traffic(T0, now, { requests: 1_000, errors: 60 });
      const result = evaluateRollout(input({ now, target, control }));
      expect(result.guardrails[0]).toMatchObject({ status: 'healthy', sharedWithControl: true });
      expect(result.decision).toBe('continue');
      expect(result.reason).toContain('on the control as well');
    });
  });

  describe('evidence', () => {
    it('carries everything a person needs to check the decision', () => {
      const now = T0 + 10 * MIN;
      const result = evaluateRollout(
        input({
          now,
          target: traffic(T0, now, { requests: 100, errors: 5 }),
          control: traffic(T0, now, { requests: 100 }),
        }),
      );
      expect(result.guardrails).toEqual([
        {
          id: 'error-rate',
          kind: 'error_rate',
          unit: 'fraction',
          threshold: 0.01,
          allowedShare: 0.01,
          minSamples: 268,
          confidence: 0.95,
          windowMs: 10 * MIN,
          forMs: 10 * MIN,
          status: 'breaching',
          breachingSince: now,
          from: T0,
          to: now,
          samples: 6_000,
          failures: 300,
          value: 0.05,
          bound: expect.closeTo(0.0456, 4) as number,
          control: {
            samples: 6_000,
            failures: 0,
            value: 0,
            bound: expect.closeTo(0.00045, 5) as number,
            compared: true,
          },
          sharedWithControl: false,
          summary: expect.stringContaining(
            "errors 300/6000: 95 % lower bound 4.56 % > the allowed 1 % and > control's upper bound 0.0451 %",
          ) as string,
          stage: expect.objectContaining({ status: 'breaching', from: T0, to: now }) as object,
        },
      ]);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    });

    it('judges only this stage: traffic before its start is not evidence', () => {
      const now = T0 + 10 * MIN;
      const target = [...traffic(T0 - 10 * MIN, T0, { requests: 100, errors: 100 }), ...traffic(T0, now)];
      const result = evaluateRollout(input({ now, target }));
      expect(result.guardrails[0]).toMatchObject({ status: 'healthy', from: T0, samples: 6_000 });
    });

    it('drops the state of guardrails it no longer has', () => {
      const result = evaluateRollout(input({ state: { gone: { breachingSince: T0 } } }));
      expect(Object.keys(result.state)).toEqual(['error-rate']);
    });

    it('refuses a time before the stage started', () => {
      expect(() => evaluateRollout(input({ now: T0 - 1 }))).toThrow(RangeError);
      expect(() => evaluateRollout(input({ now: Number.NaN }))).toThrow(RangeError);
    });
  });
});

// ---- Properties -------------------------------------------------------------------------------------

const arbitraryBucket = (from: number, to: number, maxRequests: number): fc.Arbitrary<TelemetryBucket> =>
  fc
    .record({
      slot: fc.integer({ min: 0, max: Math.max(0, Math.floor((to - from) / BUCKET_MS) - 1) }),
      requests: fc.integer({ min: 0, max: maxRequests }),
      errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
      slowShare: fc.double({ min: 0, max: 1, noNaN: true }),
      exceptions: fc.oneof(
        { weight: 9, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
      ),
      memory: fc.array(
        fc.record({
          instance: fc.constantFrom('pod-1', 'pod-2', 'pod-3'),
          bytes: fc.integer({ min: 0, max: 2 * GiB }),
        }),
        { maxLength: 2 },
      ),
    })
    .map(({ slot, requests, errorShare, slowShare, exceptions, memory }) =>
      aBucket({
        start: from + slot * BUCKET_MS,
        requests,
        errors: Math.floor(requests * errorShare),
        slow: Math.floor(requests * slowShare),
        exceptions,
        memory,
      }),
    );

const arbitraryGuardrails: fc.Arbitrary<Guardrail[]> = fc
  .record({
    threshold: fc.constantFrom(0.001, 0.01, 0.05),
    quantile: fc.constantFrom(0.9, 0.95, 0.99),
    thresholdMs: fc.constantFrom(500, 1_000, 2_000),
    minSamples: fc.integer({ min: 1, max: 2_000 }),
    windowMs: fc.integer({ min: 1, max: 30 }).map((minutes) => minutes * MIN),
    forMs: fc.integer({ min: 1, max: 30 }).map((minutes) => minutes * MIN),
    confidence: fc.constantFrom(0.9 as const, 0.95 as const, 0.99 as const),
    include: fc.subarray(['error_rate', 'latency', 'memory', 'exceptions'] as const, { minLength: 1 }),
  })
  .map(({ include, threshold, quantile, thresholdMs, ...shared }) => {
    const all: Guardrail[] = [
      anErrorRateGuardrail({ threshold, ...shared }),
      aLatencyGuardrail({ quantile, thresholdMs, ...shared }),
      aMemoryGuardrail({ windowMs: shared.windowMs, forMs: shared.forMs }),
      anExceptionsGuardrail(),
    ];
    return all.filter((guardrail) => (include as readonly string[]).includes(guardrail.kind));
  });

/** Any evaluation of a stage started at T0, up to two hours in, of traffic from 10 minutes before it. */
function arbitraryInput(maxRequests = 500): fc.Arbitrary<RolloutEvaluationInput> {
  return fc
    .record({
      elapsed: fc.integer({ min: 0, max: 120 * MIN }),
      holdMs: fc.integer({ min: 1, max: 60 }).map((minutes) => minutes * MIN),
      extensionsUsed: fc.integer({ min: 0, max: 3 }),
      maxExtensions: fc.integer({ min: 0, max: 3 }),
      requireApproval: fc.boolean(),
      guardrails: arbitraryGuardrails,
      sinceAgo: fc.option(fc.integer({ min: 0, max: 60 * MIN }), { nil: null }),
    })
    .chain(({ elapsed, sinceAgo, guardrails, ...timing }) => {
      const now = T0 + elapsed;
      const from = T0 - 10 * MIN;
      return fc.record({
        now: fc.constant(now),
        stage: fc.constant(aStage({ ...timing, extensionMs: 10 * MIN })),
        guardrails: fc.constant(guardrails),
        target: fc.array(arbitraryBucket(from, now + BUCKET_MS, maxRequests), { maxLength: 30 }),
        control: fc.array(arbitraryBucket(from, now + BUCKET_MS, maxRequests * 10), { maxLength: 30 }),
        state: fc.constant(
          Object.fromEntries(
            guardrails.map(({ id }) => [id, { breachingSince: sinceAgo === null ? null : now - sinceAgo }]),
          ),
        ),
      });
    });
}

const requestsOf = (buckets: readonly TelemetryBucket[]): number =>
  buckets.reduce((sum, bucket) => sum + bucket.requests, 0);

describe('evaluateRollout properties', () => {
  it('never rolls back when the target has fewer requests than every rate guardrail needs, and no exception or memory', () => {
    fc.assert(
      fc.property(arbitraryInput(), (generated) => {
        const rates = generated.guardrails.filter(
          (guardrail) => guardrail.kind === 'error_rate' || guardrail.kind === 'latency',
        );
        const target = generated.target.map((bucket) => ({ ...bucket, exceptions: 0, memory: [] }));
        const fewest = Math.min(
          ...rates.map((guardrail) => ('minSamples' in guardrail ? guardrail.minSamples : 0)),
        );
        fc.pre(rates.length > 0 && requestsOf(target) < fewest);
        expect(evaluateRollout({ ...generated, target }).decision).not.toBe('rollback');
      }),
    );
  });

  it('never advances while any guardrail is insufficient, now or over the stage', () => {
    fc.assert(
      fc.property(arbitraryInput(), (generated) => {
        const result = evaluateRollout(generated);
        const insufficient = result.guardrails.some(
          ({ status, stage }) => status === 'insufficient' || stage.status === 'insufficient',
        );
        if (insufficient) expect(['advance', 'await_approval']).not.toContain(result.decision);
      }),
    );
  });

  it('advances only when every guardrail is healthy, now and over the stage, and the hold is over', () => {
    fc.assert(
      fc.property(arbitraryInput(), (generated) => {
        const result = evaluateRollout(generated);
        if (result.decision !== 'advance' && result.decision !== 'await_approval') return;
        expect(generated.now).toBeGreaterThanOrEqual(result.holdEndsAt);
        for (const evidence of result.guardrails) {
          expect([evidence.status, evidence.stage.status]).toEqual(['healthy', 'healthy']);
        }
        expect(result.decision).toBe(generated.stage.requireApproval ? 'await_approval' : 'advance');
      }),
    );
  });

  it('is monotonic in errors: more errors never turn a rollback into anything else, nor anything into an advance', () => {
    fc.assert(
      fc.property(
        arbitraryInput(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 30 }),
        (generated, extra) => {
          const worse = generated.target.map((bucket, index) => ({
            ...bucket,
            errors: bucket.errors + Math.floor((bucket.requests - bucket.errors) * extra[index]!),
          }));
          const before = evaluateRollout(generated).decision;
          const after = evaluateRollout({ ...generated, target: worse }).decision;
          if (before === 'rollback') expect(after).toBe('rollback');
          if (after === 'advance' || after === 'await_approval') expect(after).toBe(before);
        },
      ),
    );
  });

  it('is deterministic, leaves its input alone and ignores the order of the buckets', () => {
    fc.assert(
      fc.property(arbitraryInput(), fc.boolean(), (generated, reverse) => {
        const copy = structuredClone(generated);
        const first = evaluateRollout(generated);
        expect(evaluateRollout(generated)).toEqual(first);
        expect(generated).toEqual(copy);
        const reordered = reverse
          ? {
              ...generated,
              target: [...generated.target].reverse(),
              control: [...generated.control].reverse(),
            }
          : generated;
        expect(evaluateRollout(reordered)).toEqual(first);
      }),
    );
  });

  it('lists every guardrail in its evidence, in order, and carries state for each', () => {
    fc.assert(
      fc.property(arbitraryInput(), (generated) => {
        const result = evaluateRollout(generated);
        const ids = generated.guardrails.map(({ id }) => id);
        expect(result.guardrails.map(({ id }) => id)).toEqual(ids);
        expect(Object.keys(result.state)).toEqual(ids);
        for (const evidence of result.guardrails) {
          expect(evidence.summary.length).toBeGreaterThan(0);
          // Counts end at the last bucket boundary, except exceptions, which count the open bucket too.
          const lastBoundary = Math.floor(generated.now / BUCKET_MS) * BUCKET_MS;
          const end =
            evidence.kind === 'exceptions'
              ? generated.now
              : Math.max(generated.stage.startedAt, lastBoundary);
          expect(evidence.to).toBe(end);
          // Memory is a level: its stage verdict is its window's (see evaluate-rollout.ts).
          const stageFrom =
            evidence.kind === 'memory'
              ? Math.max(generated.stage.startedAt, Math.min(generated.now - evidence.windowMs!, end - 1))
              : generated.stage.startedAt;
          expect(evidence.stage.from).toBe(stageFrom);
        }
        expect(result.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it('rolls back on any exception in the stage whatever else holds', () => {
    fc.assert(
      fc.property(arbitraryInput(), (generated) => {
        const guardrails = [
          ...generated.guardrails.filter(({ kind }) => kind !== 'exceptions'),
          anExceptionsGuardrail(),
        ];
        const target = [...generated.target, aBucket({ start: generated.stage.startedAt, exceptions: 1 })];
        fc.pre(generated.now > generated.stage.startedAt);
        expect(evaluateRollout({ ...generated, guardrails, target }).decision).toBe('rollback');
      }),
    );
  });
});
