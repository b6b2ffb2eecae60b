import { evaluate, type Flag } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import type { RolloutPlan } from '@rampart/rollout-guardrails';
import { RolloutTransitions } from '@rampart/rollouts';
import { LiveFlagSet } from '../../../apps/api/src/flags/live-flag-set';
import type { UserPrincipal } from '../../../apps/api/src/identity/principal';
import { AbortRollout } from '../../../apps/api/src/rollouts/use-cases/abort-rollout';
import { AdvanceRollout } from '../../../apps/api/src/rollouts/use-cases/advance-rollout';
import { CreateRollout } from '../../../apps/api/src/rollouts/use-cases/create-rollout';
import { PauseRollout } from '../../../apps/api/src/rollouts/use-cases/pause-rollout';
import { StartRollout } from '../../../apps/api/src/rollouts/use-cases/start-rollout';
import { booleanFlag, uniqueFlagKey } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { aUserPrincipal } from '../support/principals';

/**
 * Rollouts against the real PostgreSQL: every stage change is one flag-set version with the rollout's
 * state, decision and audit entry; other edits of a running rollout's flag are refused; the kill
 * switch aborts it; of concurrent operations on one state exactly one applies.
 */
describe('rollouts: stages as flag-set versions, all or nothing', () => {
  const api = useApi();
  const db = useDatabase();

  const operator = aUserPrincipal('operator');
  const report = {
    title: 'Checkout errors at 25 %',
    severity: 'sev2' as const,
    symptoms: '5xx on /checkout',
    causeHypothesis: 'the new client retries',
    nextSteps: 'fix the retry, roll out again',
  };
  const stage = (percentage: number, segments: string[] = []) => ({
    percentage,
    segments,
    holdMs: 1_000,
    extensionMs: 1_000,
    maxExtensions: 0,
    requireApproval: false,
    guardrails: [{ id: 'exceptions', kind: 'exceptions' as const }],
  });

  const flagSets = () => api.get(FlagSets);
  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.rows<{ n: string }>(sql, params))[0]?.n);
  const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
    const error: unknown = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
    return error;
  };

  /** Commits `flags` (and the segment `testers-<id>`) as one new version; returns the segment key. */
  const put = async (
    flags: ({ key: string } & Record<string, unknown>)[],
    actor: UserPrincipal | null = null,
  ) => {
    const current = await flagSets().current();
    return flagSets().commit({
      expectedVersion: current.version,
      precondition: 'body',
      actor: actor ? { userId: actor.userId } : 'system:tests',
      reason: 'test setup',
      apply: (content) => ({
        ...content,
        flags: {
          ...content.flags,
          ...Object.fromEntries(flags.map((flag): [string, never] => [flag.key, flag as never])),
        },
      }),
    });
  };
  const flagNow = async (key: string): Promise<Flag> => (await flagSets().current()).flags[key] as Flag;
  const served = (key: string, targetingKey: string, email = 'someone@example.com') => {
    const result = evaluate(api.get(LiveFlagSet).current(), key, { targetingKey, email });
    return 'variant' in result ? result.variant : undefined;
  };
  const users = Array.from({ length: 2_000 }, (_, index) => `user-${index}`);

  /** A flag serving `off` to everyone, a testers segment, and a draft rollout of it to `on`. */
  const draft = async (plan?: RolloutPlan) => {
    const segment = uniqueFlagKey('testers');
    const current = await flagSets().current();
    await flagSets().commit({
      expectedVersion: current.version,
      precondition: 'body',
      actor: 'system:tests',
      reason: 'segment',
      apply: (content) => ({
        ...content,
        segments: {
          ...content.segments,
          [segment]: {
            key: segment,
            name: 'Testers',
            description: '',
            conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@test.example'] }],
          } as never,
        },
      }),
    });
    const flag = booleanFlag({ defaultVariant: 'off' });
    await put([flag]);
    const rollout = await api.get(CreateRollout).execute({
      actor: operator,
      flagKey: flag.key,
      targetVariant: 'on',
      plan: plan ?? { stages: [stage(0, [segment]), stage(1), stage(25), stage(100)] },
    });
    return { rollout, flag, segment };
  };

  it('starts at the allowlist and raises exposure stickily, one audited version per stage', async () => {
    const { rollout, flag } = await draft();
    const started = await api.get(StartRollout).execute({ actor: operator, rolloutId: rollout.id });
    expect(started).toMatchObject({ status: 'running', stageIndex: 0, stateVersion: 2 });
    expect(served(flag.key, 'anyone', 'a@test.example')).toBe('on');
    expect(users.filter((user) => served(flag.key, user) === 'on')).toEqual([]);

    await api.get(AdvanceRollout).execute({ actor: operator, rolloutId: rollout.id });
    const at1 = users.filter((user) => served(flag.key, user) === 'on');
    await api.get(AdvanceRollout).execute({ actor: operator, rolloutId: rollout.id });
    const at25 = users.filter((user) => served(flag.key, user) === 'on');
    expect(at1.length).toBeGreaterThan(0);
    expect(at25.length / users.length).toBeGreaterThan(0.2);
    expect(at25.length / users.length).toBeLessThan(0.3);
    expect(at1.every((user) => at25.includes(user))).toBe(true);

    const versions = await db.rows<{ reason: string; actor: string }>(
      'SELECT reason, actor FROM flag_set_versions WHERE reason LIKE $1 ORDER BY version',
      [`rollout ${rollout.id}:%`],
    );
    expect(versions).toEqual([
      { reason: `rollout ${rollout.id}: started, stage 1`, actor: `user:${operator.userId}` },
      { reason: `rollout ${rollout.id}: stage 2 (1 %)`, actor: `user:${operator.userId}` },
      { reason: `rollout ${rollout.id}: stage 3 (25 %)`, actor: `user:${operator.userId}` },
    ]);
    const actions = await db.rows<{ action: string }>(
      "SELECT action FROM audit_log WHERE target_type = 'rollout' AND target_id = $1 ORDER BY seq",
      [rollout.id],
    );
    expect(actions.map((row) => row.action)).toEqual([
      'rollout.created',
      'rollout.started',
      'rollout.advanced',
      'rollout.advanced',
    ]);
    const decisions = await db.rows<{ decision: string; flag_version: number | null }>(
      'SELECT decision, flag_version FROM rollout_decisions WHERE rollout_id = $1 ORDER BY seq',
      [rollout.id],
    );
    expect(decisions.map((row) => row.decision)).toEqual(['created', 'started', 'advanced', 'advanced']);
    expect(decisions.slice(1).every((row) => typeof row.flag_version === 'number')).toBe(true);

    // Past the last stage: complete, the target is the default and the rollout's rules are gone.
    await api.get(AdvanceRollout).execute({ actor: operator, rolloutId: rollout.id });
    const completed = await api.get(AdvanceRollout).execute({ actor: operator, rolloutId: rollout.id });
    expect(completed.status).toBe('completed');
    expect(await flagNow(flag.key)).toMatchObject({ defaultVariant: 'on', rules: [] });
    expect(users.every((user) => served(flag.key, user) === 'on')).toBe(true);
  });

  it('rolls back to exactly the original serving, keeps another flag’s change, and opens the incident', async () => {
    const { rollout, flag } = await draft();
    const control = await flagNow(flag.key);
    await api.get(StartRollout).execute({ actor: operator, rolloutId: rollout.id });
    await api.get(AdvanceRollout).execute({ actor: operator, rolloutId: rollout.id });
    const other = booleanFlag();
    await put([other]);
    await put([{ ...other, defaultVariant: 'off' }]);

    const { rollout: rolledBack, incident } = await api
      .get(AbortRollout)
      .execute({ actor: operator, rolloutId: rollout.id, incident: report });
    expect(rolledBack).toMatchObject({ status: 'rolled_back' });
    expect(await flagNow(flag.key)).toEqual(control);
    expect((await flagNow(other.key)).defaultVariant).toBe('off');
    expect(users.some((user) => served(flag.key, user) === 'on')).toBe(false);
    const version = (await flagSets().current()).version;
    expect(incident).toMatchObject({ rolloutId: rollout.id, flagVersions: [version], title: report.title });
    const [row] = await db.rows<{ kind: string; reason: string }>(
      'SELECT kind, reason FROM flag_set_versions WHERE version = $1',
      [version],
    );
    expect(row?.reason).toBe(`rollout ${rollout.id}: rolled back to the control (${report.title})`);
  });

  it('refuses other edits of a running rollout’s flag with rollout_active, writing nothing; paused, they pass', async () => {
    const { rollout, flag } = await draft();
    await api.get(StartRollout).execute({ actor: operator, rolloutId: rollout.id });
    const before = (await flagSets().current()).version;
    const current = await flagNow(flag.key);
    const refused = await refusal(put([{ ...current, defaultVariant: 'on' }], operator));
    expect(refused).toMatchObject({ code: 'rollout_active', status: 409 });
    expect((await flagSets().current()).version).toBe(before);

    // Not serving: a description passes.
    await put([{ ...current, description: 'renamed during the rollout' }], operator);
    expect((await flagNow(flag.key)).description).toBe('renamed during the rollout');

    await api.get(PauseRollout).execute({ actor: operator, rolloutId: rollout.id });
    await put([{ ...(await flagNow(flag.key)), offVariant: 'on' }], operator);
    expect((await flagNow(flag.key)).offVariant).toBe('on');
  });

  it('lets the kill switch through and ends the rollout as aborted in the same transaction', async () => {
    const { rollout, flag } = await draft();
    await api.get(StartRollout).execute({ actor: operator, rolloutId: rollout.id });
    const committed = await put([{ ...(await flagNow(flag.key)), enabled: false }], operator);
    expect(committed.changed).toBe(true);
    const [row] = await db.rows<{ status: string; ended_at: Date | null }>(
      'SELECT status, ended_at FROM rollouts WHERE id = $1',
      [rollout.id],
    );
    expect(row?.status).toBe('aborted');
    expect(row?.ended_at).not.toBeNull();
    const [decision] = await db.rows<{
      decision: string;
      actor: string;
      reason: string;
      flag_version: number;
    }>(
      'SELECT decision, actor, reason, flag_version FROM rollout_decisions WHERE rollout_id = $1 ORDER BY seq DESC LIMIT 1',
      [rollout.id],
    );
    expect(decision).toMatchObject({
      decision: 'aborted',
      actor: `user:${operator.userId}`,
      flag_version: committed.snapshot.version,
    });
    expect(decision?.reason).toContain('kill switch');
    expect(
      await count("SELECT count(*) AS n FROM audit_log WHERE action = 'rollout.aborted' AND target_id = $1", [
        rollout.id,
      ]),
    ).toBe(1);
  });

  it('applies exactly one of 10 concurrent advances based on the same state version', async () => {
    const { rollout } = await draft();
    const started = await api.get(StartRollout).execute({ actor: operator, rolloutId: rollout.id });
    const before = (await flagSets().current()).version;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        api
          .get(AdvanceRollout)
          .execute({ actor: operator, rolloutId: rollout.id, expectedStateVersion: started.stateVersion }),
      ),
    );
    const applied = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as DomainError] : [],
    );
    expect(applied).toHaveLength(1);
    expect(refused.map((error) => error.code)).toEqual(Array(9).fill('rollout_conflict'));
    expect((await flagSets().current()).version).toBe(before + 1);
    expect(
      await count(
        "SELECT count(*) AS n FROM rollout_decisions WHERE rollout_id = $1 AND decision = 'advanced'",
        [rollout.id],
      ),
    ).toBe(1);
  });

  it('writes nothing when a step inside the unit fails', async () => {
    const { rollout, flag } = await draft();
    const before = (await flagSets().current()).version;
    const control = await flagNow(flag.key);
    const failing = api.get(RolloutTransitions).apply({
      rolloutId: rollout.id,
      actor: 'system:tests',
      operation: 'start',
      from: ['draft'],
      decision: 'started',
      action: 'rollout.started',
      reason: 'doomed',
      changes: () => ({ status: 'running', startedAt: new Date() }),
      flag: { reason: 'doomed', serve: (current) => ({ ...current, defaultVariant: 'on' }) },
      also: () => Promise.reject(new Error('the incident could not be opened')),
    });
    await expect(failing).rejects.toThrow('the incident could not be opened');
    expect((await flagSets().current()).version).toBe(before);
    expect(await flagNow(flag.key)).toEqual(control);
    const [row] = await db.rows<{ status: string; state_version: number }>(
      'SELECT status, state_version FROM rollouts WHERE id = $1',
      [rollout.id],
    );
    expect(row).toEqual({ status: 'draft', state_version: 1 });
    expect(
      await count("SELECT count(*) AS n FROM audit_log WHERE action = 'rollout.started' AND target_id = $1", [
        rollout.id,
      ]),
    ).toBe(0);
  });

  it('refuses a second open rollout of a flag, unknown variants and segments, by field', async () => {
    const { flag } = await draft();
    const again = await refusal(
      api.get(CreateRollout).execute({
        actor: operator,
        flagKey: flag.key,
        targetVariant: 'on',
        template: 'seed',
        allowlistSegments: [],
      }),
    );
    expect(again.code).toBe('validation_failed');
    const second = await refusal(
      api.get(CreateRollout).execute({
        actor: operator,
        flagKey: flag.key,
        targetVariant: 'on',
        plan: { stages: [stage(100)] },
      }),
    );
    expect(second).toMatchObject({ code: 'rollout_active', status: 409 });
    const invalid = await refusal(
      api.get(CreateRollout).execute({
        actor: operator,
        flagKey: flag.key,
        targetVariant: 'purple',
        plan: { stages: [stage(0, ['no-such-segment']), stage(100)] },
      }),
    );
    expect(invalid.extensions.errors).toEqual({
      targetVariant: [`flag "${flag.key}" has no variant "purple"`],
      'plan.stages[0].segments[0]': ['there is no segment "no-such-segment" in the set'],
    });
  });
});
