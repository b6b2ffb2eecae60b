import type { RolloutDecisionRecord } from '@rampart/db';
import { seedGuardrails } from '@rampart/rollout-guardrails';
import { currentStageEvaluation, guardrailRows, holdEndsAt } from './rollout-guardrail-rows';

const STAGE_STARTED = Date.UTC(2026, 10, 30, 12, 0, 0);

const plan = {
  stages: [
    { percentage: 1, segments: [], holdMs: 60_000, extensionMs: 30_000, guardrails: seedGuardrails() },
    {
      percentage: 100,
      segments: [],
      holdMs: 60_000,
      extensionMs: 30_000,
      guardrails: [{ id: 'p99', kind: 'apdex', threshold: 0.5 }],
    },
  ],
};

function decision(
  seq: number,
  evidence: unknown,
  decisionName = 'guardrails_changed',
): RolloutDecisionRecord {
  return {
    id: `d${seq}`,
    rolloutId: 'r1',
    seq,
    decision: decisionName,
    reason: 'because',
    evidence,
    actor: 'system:rollouts',
    flagVersion: null,
    createdAt: new Date(STAGE_STARTED + seq),
  };
}

const evaluation = (now: number, guardrails: unknown[]) => ({
  evaluation: { now, guardrails },
  stageIndex: 0,
});

describe('currentStageEvaluation', () => {
  const rollout = { stageStartedAt: new Date(STAGE_STARTED) };

  it("takes the newest stored evaluation of this stage, skipping a person's decisions", () => {
    const found = currentStageEvaluation(rollout, [
      decision(1, evaluation(STAGE_STARTED + 1_000, [{ id: 'a' }])),
      decision(2, evaluation(STAGE_STARTED + 2_000, [{ id: 'b' }])),
      decision(3, { stageIndex: 0, status: 'paused' }, 'paused'),
    ]);
    expect(found).toEqual({ at: new Date(STAGE_STARTED + 2_000), guardrails: [{ id: 'b' }] });
  });

  it('ignores the evaluation that advanced into this stage: it judged the stage before', () => {
    expect(
      currentStageEvaluation(rollout, [
        decision(1, evaluation(STAGE_STARTED - 5, [{ id: 'a' }]), 'advanced'),
      ]),
    ).toBeNull();
    expect(currentStageEvaluation({ stageStartedAt: null }, [])).toBeNull();
  });
});

describe('guardrailRows', () => {
  const rollout = { plan, stageIndex: 0, guardrailState: {} };

  it('shows every guardrail of the stage as pending, with its threshold, before any evaluation', () => {
    const rows = guardrailRows(rollout, null);
    expect(rows.map((row) => [row.id, row.kind, row.status, row.threshold, row.unit])).toEqual(
      seedGuardrails().map((guardrail) => [
        guardrail.id,
        guardrail.kind,
        'pending',
        'threshold' in guardrail
          ? guardrail.threshold
          : 'thresholdMs' in guardrail
            ? guardrail.thresholdMs
            : 'thresholdBytes' in guardrail
              ? guardrail.thresholdBytes
              : 0,
        { error_rate: 'fraction', latency: 'ms', memory: 'bytes', exceptions: 'count', prometheus: 'value' }[
          guardrail.kind
        ],
      ]),
    );
    expect(
      rows.every((row) => row.value === null && row.samples === null && row.breachingSince === null),
    ).toBe(true);
  });

  it('takes value, threshold, samples and status from the evidence, breachingSince from the stored state', () => {
    const [first] = seedGuardrails();
    const breachedAt = STAGE_STARTED + 10_000;
    const assessed = {
      id: first!.id,
      kind: first!.kind,
      status: 'breaching' as const,
      value: 0.04,
      threshold: 0.02,
      unit: 'fraction' as const,
      samples: 900,
      breachingSince: null,
    };
    const rows = guardrailRows(
      { ...rollout, guardrailState: { [first!.id]: { breachingSince: breachedAt } } },
      {
        at: new Date(STAGE_STARTED + 20_000),
        guardrails: [assessed],
      },
    );
    // The worker's assessment as it was, with the breach start taken from the rollout's state.
    expect(rows[0]).toEqual({ ...assessed, breachingSince: new Date(breachedAt).toISOString() });
    expect(rows.slice(1).every((row) => row.status === 'pending')).toBe(true);
  });

  it('shows a kind it does not know generically, from the plan and from the evidence', () => {
    const later = { plan, stageIndex: 1, guardrailState: {} };
    expect(guardrailRows(later, null)).toEqual([
      {
        id: 'p99',
        kind: 'apdex',
        status: 'pending',
        value: null,
        threshold: 0.5,
        unit: null,
        samples: null,
        breachingSince: null,
      },
    ]);
    const rows = guardrailRows(later, {
      at: new Date(STAGE_STARTED),
      guardrails: [
        {
          id: 'p99',
          kind: 'apdex',
          status: 'healthy',
          value: 0.2,
          threshold: 0.5,
          unit: 's',
          samples: 3,
        },
        { id: 'extra', kind: 'future', status: 'insufficient', value: 'n/a', breachingSince: STAGE_STARTED },
      ],
    });
    expect(rows).toEqual([
      expect.objectContaining({
        id: 'p99',
        status: 'healthy',
        value: 0.2,
        threshold: 0.5,
        unit: 's',
        samples: 3,
      }),
      {
        id: 'extra',
        kind: 'future',
        status: 'insufficient',
        value: null,
        threshold: null,
        unit: null,
        samples: null,
        breachingSince: new Date(STAGE_STARTED).toISOString(),
      },
    ]);
  });

  it('survives a plan that is not one', () => {
    expect(guardrailRows({ plan: 'nonsense', stageIndex: 0, guardrailState: null }, null)).toEqual([]);
  });
});

describe('holdEndsAt', () => {
  it('counts the hold and the extensions granted so far', () => {
    expect(
      holdEndsAt({ plan, stageIndex: 0, stageStartedAt: new Date(STAGE_STARTED), extensionsUsed: 2 }),
    ).toEqual(new Date(STAGE_STARTED + 60_000 + 2 * 30_000));
    expect(holdEndsAt({ plan, stageIndex: 0, stageStartedAt: null, extensionsUsed: 0 })).toBeNull();
  });
});
