import { fieldErrorsOf, type FieldErrors } from '@rampart/flag-evaluation';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './guardrail-schema';
import { rolloutPlanSchema, seedGuardrails, seedPlan, type RolloutPlan } from './rollout-plan';

function errorsOf(plan: unknown): FieldErrors {
  const parsed = rolloutPlanSchema.safeParse(plan);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

const withStages = (change: (stages: RolloutPlan['stages']) => void): RolloutPlan => {
  const plan = seedPlan(['beta-testers']);
  change(plan.stages);
  return plan;
};

describe('seedPlan', () => {
  it('is a valid plan: allowlist, 1 %, 25 %, 100 %', () => {
    const plan = seedPlan(['beta-testers']);
    expect(errorsOf(plan)).toEqual({});
    expect(rolloutPlanSchema.parse(plan)).toEqual(plan);
    expect(plan.stages.map(({ percentage, segments, holdMs }) => ({ percentage, segments, holdMs }))).toEqual(
      [
        { percentage: 0, segments: ['beta-testers'], holdMs: 30 * MINUTE_MS },
        { percentage: 1, segments: [], holdMs: 30 * MINUTE_MS },
        { percentage: 25, segments: [], holdMs: DAY_MS },
        { percentage: 100, segments: [], holdMs: HOUR_MS },
      ],
    );
  });

  it('is invalid without an allowlist', () => {
    expect(errorsOf(seedPlan([]))).toEqual({
      'stages[0].segments': [
        'a stage at 0 % must name the segments it exposes, or nobody gets the target variant',
      ],
    });
  });

  it('guards every stage with the issue’s guardrails and the minimum samples the bound needs', () => {
    expect(seedGuardrails()).toEqual([
      expect.objectContaining({
        kind: 'error_rate',
        threshold: 0.01,
        forMs: 10 * MINUTE_MS,
        minSamples: 268,
      }),
      expect.objectContaining({ kind: 'latency', quantile: 0.95, thresholdMs: 2_000, minSamples: 52 }),
      expect.objectContaining({ kind: 'memory', thresholdBytes: 1_073_741_824, forMs: 10 * MINUTE_MS }),
      expect.objectContaining({ kind: 'exceptions' }),
    ]);
    for (const stage of seedPlan(['beta-testers']).stages) expect(stage.guardrails).toEqual(seedGuardrails());
  });
});

describe('rolloutPlanSchema', () => {
  it('refuses a stage narrower than the one before', () => {
    const plan = withStages((stages) => {
      stages[2]!.percentage = 0.5;
    });
    expect(Object.keys(errorsOf(plan))).toEqual(['stages[2].percentage']);
  });

  it('refuses a plan that does not end at 100 %', () => {
    const plan = withStages((stages) => {
      stages.pop();
    });
    expect(errorsOf(plan)).toEqual({
      'stages[2].percentage': [
        'the last stage must be 100 %: a rollout ends with everyone on the target variant',
      ],
    });
  });

  it.each([
    [
      'a percentage over 100',
      (stages: RolloutPlan['stages']) => (stages[3]!.percentage = 101),
      'stages[3].percentage',
    ],
    [
      'a hold of a month',
      (stages: RolloutPlan['stages']) => (stages[1]!.holdMs = 30 * DAY_MS),
      'stages[1].holdMs',
    ],
    [
      'negative extensions',
      (stages: RolloutPlan['stages']) => (stages[1]!.maxExtensions = -1),
      'stages[1].maxExtensions',
    ],
    [
      'a segment that is not a key',
      (stages: RolloutPlan['stages']) => (stages[0]!.segments = ['Beta']),
      'stages[0].segments[0]',
    ],
    [
      'a stage without guardrails',
      (stages: RolloutPlan['stages']) => (stages[1]!.guardrails = []),
      'stages[1].guardrails',
    ],
  ])('refuses %s', (_case, change, field) => {
    expect(Object.keys(errorsOf(withStages(change)))).toEqual([field]);
  });

  it('refuses a plan without stages', () => {
    expect(Object.keys(errorsOf({ stages: [] }))).toEqual(['stages']);
  });
});
