import { randomUUID } from 'node:crypto';
import type { Flag } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';
import { BUCKET_MS, TelemetryStore, bucketStart } from '@rampart/guardrail-telemetry';
import { Metrics } from '@rampart/observability';
import { LATENCY_BUCKET_COUNT, type Guardrail } from '@rampart/rollout-guardrails';
import { CreateRollout } from '../../../apps/api/src/rollouts/use-cases/create-rollout';
import { StartRollout } from '../../../apps/api/src/rollouts/use-cases/start-rollout';
import { EvaluateRollouts } from '../../../apps/worker/src/rollouts/evaluate-rollouts';
import { booleanFlag, createActiveUser } from '../../factories';
import { useApi, useWorker } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { parseExposition } from '../../support/prometheus-text';
import { aUserPrincipal } from '../support/principals';
import { addFlag } from '../support/flag-setup';

/**
 * The worker's rollout evaluation against the real PostgreSQL and Redis: a rollout started through the
 * API's use cases, telemetry written through the TelemetryStore, the job's handler run directly with a
 * clock past the buckets written (buckets are 10 s, and only closed ones count).
 */
describe('rollouts: the worker evaluates guardrails and applies the decision', () => {
  const api = useApi();
  const worker = useWorker();
  const db = useDatabase();

  const operator = aUserPrincipal('operator');
  const guardrails: Guardrail[] = [
    {
      id: 'error-rate',
      kind: 'error_rate',
      threshold: 0.05,
      minSamples: 100,
      confidence: 0.95,
      windowMs: 60_000,
      forMs: 1_000,
    },
    { id: 'exceptions', kind: 'exceptions' },
  ];
  const stage = (percentage: number, maxExtensions = 1) => ({
    percentage,
    segments: [],
    holdMs: 1_000,
    extensionMs: 1_000,
    maxExtensions,
    requireApproval: false,
    guardrails,
  });

  const evaluator = () => worker.get(EvaluateRollouts);
  const decisions = (rolloutId: string) =>
    db.rows<{ decision: string; actor: string; evidence: Record<string, unknown>; reason: string }>(
      'SELECT decision, actor, evidence, reason FROM rollout_decisions WHERE rollout_id = $1 ORDER BY seq',
      [rolloutId],
    );
  const rolloutRow = async (rolloutId: string) =>
    (
      await db.rows<{
        status: string;
        stage_index: number;
        pause_reason: string | null;
        extensions_used: number;
      }>('SELECT status, stage_index, pause_reason, extensions_used FROM rollouts WHERE id = $1', [rolloutId])
    )[0]!;
  const flagNow = async (key: string): Promise<Flag> =>
    (await api.get(FlagSets).current()).flags[key] as Flag;

  /** A flag serving `off`, and a running rollout of it to `on` at 50 % then 100 %. */
  const running = async () => {
    const flag = booleanFlag({ defaultVariant: 'off' });
    const sets = api.get(FlagSets);
    await addFlag(sets, flag);
    const draft = await api.get(CreateRollout).execute({
      actor: operator,
      flagKey: flag.key,
      targetVariant: 'on',
      plan: { stages: [stage(50), stage(100)] },
    });
    const rollout = await api.get(StartRollout).execute({ actor: operator, rolloutId: draft.id });
    const firstBucket = bucketStart(rollout.stageStartedAt!.getTime()) + BUCKET_MS;
    return { flag, rollout, firstBucket };
  };

  const report = async (
    flag: string,
    variant: string,
    start: number,
    counts: { requests: number; errors?: number; exceptions?: number },
  ) => {
    const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    latency[0] = counts.requests;
    await worker.get(TelemetryStore).record({
      credentialId: randomUUID(),
      batchId: randomUUID(),
      instance: 'service-1',
      reports: [
        {
          flag,
          variant,
          start,
          requests: counts.requests,
          errors: counts.errors ?? 0,
          latency,
          exceptions: counts.exceptions ?? 0,
        },
      ],
    });
  };
  const outcomeOf = async (rolloutId: string, now: number) =>
    (await evaluator().run(now)).outcomes.find((outcome) => outcome.rolloutId === rolloutId);
  const scrape = async () => parseExposition((await worker.get(Metrics).render()).body);
  /**
   * One run, with how far it moved the rollout counters. Every running rollout is evaluated, other
   * tests' included, so the expected counts come from this run's applied outcomes, not from 1.
   */
  const runCounted = async (rolloutId: string, now: number) => {
    const before = await scrape();
    const { outcomes } = await evaluator().run(now);
    const after = await scrape();
    const moved = (name: string, labels?: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels);
    const applied = (decision: string) =>
      outcomes.filter((outcome) => outcome.applied && outcome.decision === decision).length;
    return { outcome: outcomes.find((outcome) => outcome.rolloutId === rolloutId), moved, applied };
  };

  it('advances a stage whose traffic is healthy, as system:rollouts with the evidence', async () => {
    const { flag, rollout, firstBucket } = await running();
    await report(flag.key, 'on', firstBucket, { requests: 500, errors: 1 });
    await report(flag.key, 'off', firstBucket, { requests: 500, errors: 1 });

    const { outcome, moved, applied } = await runCounted(rollout.id, firstBucket + BUCKET_MS);
    expect(outcome).toEqual({ rolloutId: rollout.id, decision: 'advance', applied: true });
    expect(moved('rollout_decisions_total', { decision: 'advance' })).toBe(applied('advance'));
    expect(applied('advance')).toBeGreaterThanOrEqual(1);
    expect(moved('rollout_rollbacks_total')).toBe(applied('rollback'));
    expect(await rolloutRow(rollout.id)).toMatchObject({ status: 'running', stage_index: 1 });
    const last = (await decisions(rollout.id)).at(-1)!;
    expect(last).toMatchObject({ decision: 'advanced', actor: 'system:rollouts' });
    expect(JSON.stringify(last.evidence)).toContain('error-rate');
  });

  it('rolls back errors only in the target that breach for forMs: control served, incident, mail, audit', async () => {
    const admin = await createActiveUser(api.app, { role: 'admin' });
    const { flag, rollout, firstBucket } = await running();
    await report(flag.key, 'on', firstBucket, { requests: 400, errors: 80 });
    await report(flag.key, 'off', firstBucket, { requests: 400, errors: 1 });
    await report(flag.key, 'on', firstBucket + BUCKET_MS, { requests: 400, errors: 80 });
    await report(flag.key, 'off', firstBucket + BUCKET_MS, { requests: 400, errors: 1 });

    // First seen breaching: held, and the breach's start is stored for the next run.
    expect(await outcomeOf(rollout.id, firstBucket + BUCKET_MS)).toMatchObject({
      decision: 'continue',
      applied: true,
    });
    const { outcome, moved, applied } = await runCounted(rollout.id, firstBucket + 2 * BUCKET_MS);
    expect(outcome).toMatchObject({ decision: 'rollback', applied: true });
    expect(applied('rollback')).toBeGreaterThanOrEqual(1);
    expect(moved('rollout_decisions_total', { decision: 'rollback' })).toBe(applied('rollback'));
    expect(moved('rollout_rollbacks_total')).toBe(applied('rollback'));

    expect(await rolloutRow(rollout.id)).toMatchObject({ status: 'rolled_back' });
    const flagAfter = await flagNow(flag.key);
    expect(flagAfter.defaultVariant).toBe('off');
    expect(JSON.stringify(flagAfter)).not.toContain(rollout.id);
    const last = (await decisions(rollout.id)).at(-1)!;
    expect(last).toMatchObject({ decision: 'rolled_back', actor: 'system:rollouts' });
    const incidents = await db.rows<{ symptoms: string; title: string }>(
      'SELECT title, symptoms FROM incidents WHERE rollout_id = $1',
      [rollout.id],
    );
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.symptoms).toContain('error-rate');
    expect(incidents[0]!.symptoms).toMatch(/\d/);
    const mails = await db.rows<{ recipient: string }>(
      "SELECT recipient FROM email_outbox WHERE template = 'rollout-rolled-back' AND params->>'rolloutId' = $1",
      [rollout.id],
    );
    expect(mails.map((mail) => mail.recipient)).toContain(admin.email);
    const audit = await db.rows<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action = 'rollout.rolled_back' AND target_id = $1",
      [rollout.id],
    );
    expect(audit.length).toBe(1);
  });

  it('with no traffic extends the hold, then pauses as inconclusive; never advances or rolls back', async () => {
    const { rollout, firstBucket } = await running();
    expect(await outcomeOf(rollout.id, firstBucket + BUCKET_MS)).toMatchObject({
      decision: 'extend_hold',
      applied: true,
    });
    expect(await rolloutRow(rollout.id)).toMatchObject({ status: 'running', extensions_used: 1 });
    expect(await outcomeOf(rollout.id, firstBucket + 2 * BUCKET_MS)).toMatchObject({
      decision: 'pause_inconclusive',
      applied: true,
    });
    expect(await rolloutRow(rollout.id)).toMatchObject({ status: 'paused', pause_reason: 'inconclusive' });
    const taken = (await decisions(rollout.id)).map((row) => row.decision);
    expect(taken).not.toContain('advanced');
    expect(taken).not.toContain('rolled_back');
  });

  it('rolls back at once on an exception reported for the target', async () => {
    const { flag, rollout, firstBucket } = await running();
    await report(flag.key, 'on', firstBucket, { requests: 3, exceptions: 1 });
    expect(await outcomeOf(rollout.id, firstBucket + BUCKET_MS)).toMatchObject({
      decision: 'rollback',
      applied: true,
    });
    expect(await rolloutRow(rollout.id)).toMatchObject({ status: 'rolled_back' });
    expect((await flagNow(flag.key)).defaultVariant).toBe('off');
  });

  it('of two evaluations of the same rollout at once, one decision is applied', async () => {
    const { flag, rollout, firstBucket } = await running();
    await report(flag.key, 'on', firstBucket, { requests: 500 });
    await report(flag.key, 'off', firstBucket, { requests: 500 });
    const now = firstBucket + BUCKET_MS;
    const [a, b] = await Promise.all([outcomeOf(rollout.id, now), outcomeOf(rollout.id, now)]);
    expect([a?.applied, b?.applied].filter(Boolean)).toHaveLength(1);
    const advanced = (await decisions(rollout.id)).filter((row) => row.decision === 'advanced');
    expect(advanced).toHaveLength(1);
    expect(await rolloutRow(rollout.id)).toMatchObject({ stage_index: 1 });
  });
});
