import fc from 'fast-check';
import {
  assessPrometheusGuardrail,
  prometheusSpans,
  type PrometheusGuardrailReadings,
  type PrometheusReading,
} from './assess-prometheus';
import { evaluateRollout, type RolloutEvaluationInput } from './evaluate-rollout';
import { aPrometheusGuardrail, aStage, T0 } from './testing/telemetry-factory';

const MIN = 60_000;
const HOLD_END = T0 + 30 * MIN;

const reading = (value: number | null, samples: number | null = 1_000, error?: string): PrometheusReading =>
  error === undefined ? { value, samples } : { value, samples, error };
const assess = (
  target: PrometheusReading,
  control: PrometheusReading = reading(null, null),
  overrides = {},
) => assessPrometheusGuardrail(aPrometheusGuardrail(overrides), { target, control }, T0, T0 + MIN);

describe('assessPrometheusGuardrail', () => {
  it('is healthy at or under the threshold, with the figures and the span', () => {
    expect(assess(reading(0.05), reading(0.01))).toMatchObject({
      status: 'healthy',
      value: 0.05,
      samples: 1_000,
      from: T0,
      to: T0 + MIN,
      sharedWithControl: false,
      control: { value: 0.01, samples: 1_000, compared: true },
      summary: 'value 0.05 ≤ the threshold 0.05 (control 0.01)',
    });
  });

  it('breaches above the threshold when the control fares better', () => {
    expect(assess(reading(0.2134567), reading(0.01))).toMatchObject({
      status: 'breaching',
      summary: 'value 0.2135 > the threshold 0.05 (control 0.01)',
    });
  });

  it('breaches with no control figure (no control traffic): the target is judged alone', () => {
    expect(assess(reading(0.2), reading(null, null))).toMatchObject({ status: 'breaching', control: null });
  });

  it('does not blame the target for what the control shares at least as badly', () => {
    const result = assess(reading(0.2), reading(0.2));
    expect(result).toMatchObject({ status: 'healthy', sharedWithControl: true });
    expect(result.summary).toContain('the control fares as badly (0.2)');
    expect(assess(reading(0.2), reading(0.19)).status).toBe('breaching');
  });

  it('judges the target alone when the control has too few samples to compare with', () => {
    expect(assess(reading(0.2), reading(0.5, 10))).toMatchObject({
      status: 'breaching',
      control: { value: 0.5, samples: 10, compared: false },
    });
  });

  it.each([
    ['no series', reading(null), 'no data: the query returned nothing for the target'],
    ['NaN (0/0: no requests)', reading(Number.NaN), 'no data: the query returned nothing for the target'],
    [
      'a failed query',
      reading(null, null, 'prometheus unreachable'),
      'no data: the query for the target failed (prometheus unreachable)',
    ],
    ['no samples figure', reading(0.9, null), 'no data: the samples query returned nothing for the target'],
    ['too few samples', reading(0.9, 99), '99 samples, fewer than the 100 needed to conclude'],
  ])('is insufficient, never breaching, on %s', (_case, target, summary) => {
    expect(assess(target, reading(0.01))).toMatchObject({ status: 'insufficient', summary });
  });

  it('has no sample floor without a samples query', () => {
    const result = assess(reading(0.01, null), reading(null, null), {
      samplesQuery: undefined,
      minSamples: undefined,
    });
    expect(result).toMatchObject({ status: 'healthy', samples: null });
  });

  it('is insufficient when the target is over the threshold but the control could not be queried', () => {
    const result = assess(reading(0.2), reading(null, null, 'timeout after 5000 ms'));
    expect(result.status).toBe('insufficient');
    expect(result.summary).toContain('the query for the control failed (timeout after 5000 ms)');
    // A healthy target needs no control.
    expect(assess(reading(0.01), reading(null, null, 'timeout')).status).toBe('healthy');
  });

  it('breaches below the threshold for a success rate', () => {
    const below = { breachWhen: 'below', threshold: 0.99 };
    expect(assess(reading(0.95), reading(0.999), below)).toMatchObject({
      status: 'breaching',
      summary: 'value 0.95 < the threshold 0.99 (control 0.999)',
    });
    expect(assess(reading(0.995), reading(0.999), below).status).toBe('healthy');
    expect(assess(reading(0.95), reading(0.9), below)).toMatchObject({
      status: 'healthy',
      sharedWithControl: true,
    });
  });

  it('takes +Inf (a quantile past the last histogram bucket) as a figure', () => {
    expect(assess(reading(Number.POSITIVE_INFINITY), reading(0.1), { threshold: 2 })).toMatchObject({
      status: 'breaching',
      summary: 'value +Inf > the threshold 2 (control 0.1)',
    });
  });
});

describe('prometheusSpans', () => {
  it('caps the window at the stage start, and spans the stage to now', () => {
    expect(prometheusSpans({ windowMs: 10 * MIN }, T0, T0 + 3 * MIN)).toEqual({
      window: { from: T0, to: T0 + 3 * MIN },
      stage: { from: T0, to: T0 + 3 * MIN },
    });
    expect(prometheusSpans({ windowMs: 10 * MIN }, T0, T0 + 60 * MIN).window).toEqual({
      from: T0 + 50 * MIN,
      to: T0 + 60 * MIN,
    });
  });
});

const both = (target: PrometheusReading, control: PrometheusReading) => ({ target, control });
const readings = (
  window: [PrometheusReading, PrometheusReading],
  stage: [PrometheusReading, PrometheusReading] = window,
): PrometheusGuardrailReadings => ({ window: both(...window), stage: both(...stage) });

function input(overrides: Partial<RolloutEvaluationInput> = {}): RolloutEvaluationInput {
  return {
    now: T0 + 5 * MIN,
    stage: aStage(),
    guardrails: [aPrometheusGuardrail()],
    target: [],
    control: [],
    state: {},
    ...overrides,
  };
}

describe('evaluateRollout with a prometheus guardrail', () => {
  it('marks a breach, then rolls back once it has lasted forMs, with the PromQL figures as evidence', () => {
    const external = { 'prom-errors': readings([reading(0.3), reading(0.01)]) };
    const first = evaluateRollout(input({ external }));
    expect(first.decision).toBe('continue');
    expect(first.state).toEqual({ 'prom-errors': { breachingSince: T0 + 5 * MIN } });

    const later = evaluateRollout(input({ now: T0 + 10 * MIN, external, state: first.state }));
    expect(later.decision).toBe('rollback');
    expect(later.reason).toContain('prom-errors (value 0.3 > the threshold 0.05 (control 0.01)');
    expect(later.guardrails[0]).toMatchObject({
      kind: 'prometheus',
      unit: 'value',
      threshold: 0.05,
      value: 0.3,
      minSamples: 100,
      control: { value: 0.01 },
      prometheus: { breachWhen: 'above', query: aPrometheusGuardrail().query },
    });
  });

  it('advances after the hold when healthy over the window and over the stage', () => {
    const external = { 'prom-errors': readings([reading(0.01), reading(0.01)]) };
    expect(evaluateRollout(input({ now: HOLD_END, external })).decision).toBe('advance');
  });

  it('does not advance while the stage as a whole is breaching or lacks data', () => {
    const healthy: [PrometheusReading, PrometheusReading] = [reading(0.01), reading(0.01)];
    const breachedOverStage = { 'prom-errors': readings(healthy, [reading(0.3), reading(0.01)]) };
    expect(evaluateRollout(input({ now: HOLD_END, external: breachedOverStage })).decision).toBe('continue');
    const noStageData = { 'prom-errors': readings(healthy, [reading(null), reading(0.01)]) };
    expect(evaluateRollout(input({ now: HOLD_END, external: noStageData })).decision).toBe('extend_hold');
  });

  it('takes the window verdict for the stage when the query has no {{window}}', () => {
    const guardrail = aPrometheusGuardrail({
      query: 'max(process_resident_memory_bytes{variant="{{variant}}"})',
      samplesQuery: undefined,
      minSamples: undefined,
      threshold: 2 ** 30,
    });
    const external = { 'prom-errors': { window: both(reading(2 ** 20), reading(2 ** 20)) } };
    const result = evaluateRollout(input({ now: HOLD_END, guardrails: [guardrail], external }));
    expect(result.decision).toBe('advance');
    const { stage, ...window } = result.guardrails[0]!;
    expect(stage).toMatchObject({ status: 'healthy', from: HOLD_END - 10 * MIN, summary: window.summary });
    expect(window.summary).toBe('value 1048576 ≤ the threshold 1073741824 (control 1048576)');
  });

  it('has no data for a guardrail the caller brought no readings for', () => {
    const result = evaluateRollout(input({ now: HOLD_END }));
    expect(result.decision).toBe('extend_hold');
    expect(result.guardrails[0]!.summary).toContain('no query result was given');
  });

  it('keeps a breach start through a failed query, and rolls back only on a breaching verdict', () => {
    const failed = {
      'prom-errors': readings([
        reading(null, null, 'prometheus unreachable'),
        reading(null, null, 'unreachable'),
      ]),
    };
    const state = { 'prom-errors': { breachingSince: T0 } };
    const result = evaluateRollout(input({ now: T0 + 20 * MIN, external: failed, state }));
    expect(result.decision).toBe('continue');
    expect(result.state).toEqual(state);
  });

  const arbitraryNoData: fc.Arbitrary<PrometheusReading> = fc.oneof(
    fc.constant(reading(null, null)),
    fc.constant(reading(Number.NaN, Number.NaN)),
    fc.string().map((error) => reading(null, null, error || 'failed')),
    fc.double().map((value) => reading(value, null, 'refused')),
    fc.integer({ min: 0, max: 99 }).map((samples) => reading(1, samples)),
    fc.double().map((value) => reading(value, null)),
  );
  const arbitraryReading: fc.Arbitrary<PrometheusReading> = fc.oneof(
    arbitraryNoData,
    fc.record({
      value: fc.double({ min: 0, max: 1, noNaN: true }),
      samples: fc.integer({ min: 0, max: 10_000 }),
    }),
  );

  it('never rolls back and never advances without target data, whatever the control, the state or the time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 * MIN }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.integer({ min: 0, max: 120 * MIN }), { nil: null }),
        arbitraryNoData,
        arbitraryNoData,
        arbitraryReading,
        arbitraryReading,
        (
          elapsed,
          extensionsUsed,
          maxExtensions,
          sinceAgo,
          windowTarget,
          stageTarget,
          windowControl,
          stageControl,
        ) => {
          const now = T0 + elapsed;
          const result = evaluateRollout(
            input({
              now,
              stage: aStage({ extensionsUsed, maxExtensions }),
              state: { 'prom-errors': { breachingSince: sinceAgo === null ? null : now - sinceAgo } },
              external: {
                'prom-errors': readings([windowTarget, windowControl], [stageTarget, stageControl]),
              },
            }),
          );
          expect(result.guardrails[0]!.status).toBe('insufficient');
          expect(['rollback', 'advance', 'await_approval']).not.toContain(result.decision);
        },
      ),
    );
  });
});
