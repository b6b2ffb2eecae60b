import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { RolloutRepository } from '@rampart/db';
import { FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { Metrics } from '@rampart/observability';
import type { GuardrailEvidence, PrometheusGuardrail, RolloutEvaluation } from '@rampart/rollout-guardrails';
import { CreateRollout } from '../../../apps/api/src/rollouts/use-cases/create-rollout';
import { StartRollout } from '../../../apps/api/src/rollouts/use-cases/start-rollout';
import { EvaluateRollouts } from '../../../apps/worker/src/rollouts/evaluate-rollouts';
import { booleanFlag } from '../../factories';
import { PrometheusServer } from '../../support/prometheus-server';
import { parseExposition } from '../../support/prometheus-text';
import { useApi, useWorker } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { aUserPrincipal } from '../support/principals';
import { addFlag } from '../support/flag-setup';

/**
 * Prometheus guardrails against the real Prometheus binary: a tiny service exposes
 * `checkout_requests_total{flag,variant,outcome}` (prom-client), Prometheus scrapes it every second,
 * and the worker's evaluation queries Prometheus in real time and applies its decision. Each rollout is
 * evaluated alone (EvaluateRollouts.evaluate), so other files' rollouts in the run database are left alone.
 */
describe('rollouts: prometheus guardrails judged through a real Prometheus', () => {
  const registry = new Registry();
  const requests = new Counter({
    name: 'checkout_requests_total',
    help: 'Checkout requests by flag, variant and outcome.',
    labelNames: ['flag', 'variant', 'outcome'],
    registers: [registry],
  });
  /** Requests per 100 ms tick by flag and variant: [succeeded, failed]. */
  const traffic = new Map<string, { on: [number, number]; off: [number, number] }>();
  let ticker: NodeJS.Timeout | undefined;
  let service: Server | undefined;
  let prometheus: PrometheusServer | undefined;

  // Before the worker boots (its hooks are registered below): it reads Prometheus's URL at boot.
  beforeAll(async () => {
    service = createServer((_request, response) => {
      void registry.metrics().then((body) => {
        response.setHeader('content-type', registry.contentType);
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => service!.listen(0, '127.0.0.1', resolve));
    const { port } = service.address() as AddressInfo;
    prometheus = await PrometheusServer.start([{ job: 'checkout', url: `http://127.0.0.1:${port}` }]);
    ticker = setInterval(() => {
      for (const [flag, variants] of traffic) {
        for (const variant of ['on', 'off'] as const) {
          const [succeeded, failed] = variants[variant];
          requests.inc({ flag, variant, outcome: 'ok' }, succeeded);
          requests.inc({ flag, variant, outcome: 'error' }, failed);
        }
      }
    }, 100);
  });
  afterAll(async () => {
    clearInterval(ticker);
    await prometheus?.stop();
    await new Promise((resolve) => service?.close(resolve));
  });

  const api = useApi();
  const worker = useWorker(() => ({
    ROLLOUT_PROMETHEUS_URL: prometheus!.url,
    ROLLOUT_PROMETHEUS_TIMEOUT_MS: '2000',
  }));
  const db = useDatabase();

  const operator = aUserPrincipal('operator');

  /** The variant's error share over the window, as Argo Rollouts' and Flagger's success-rate examples. */
  const errorShare: PrometheusGuardrail = {
    id: 'checkout-errors',
    kind: 'prometheus',
    query:
      'sum(rate(checkout_requests_total{flag="{{flag}}",variant="{{variant}}",outcome="error"}[{{window}}]))' +
      ' / sum(rate(checkout_requests_total{flag="{{flag}}",variant="{{ variant }}"}[{{window}}]))',
    threshold: 0.05,
    breachWhen: 'above',
    windowMs: 60_000,
    forMs: 1_000,
    samplesQuery: 'sum(increase(checkout_requests_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))',
    minSamples: 50,
  };

  /** A flag serving `off`, its traffic under way, and a running rollout of it to `on` at 50 % then 100 %. */
  const running = async (
    shape: { on: [number, number]; off: [number, number] },
    options: { holdMs: number; maxExtensions?: number; guardrails?: PrometheusGuardrail[] },
  ) => {
    const flag = booleanFlag({ defaultVariant: 'off' });
    for (const variant of ['on', 'off'])
      for (const outcome of ['ok', 'error']) requests.inc({ flag: flag.key, variant, outcome }, 0);
    traffic.set(flag.key, shape);
    const sets = api.get(FlagSets);
    await addFlag(sets, flag);
    const stage = (percentage: number) => ({
      percentage,
      segments: [],
      holdMs: options.holdMs,
      extensionMs: 1_000,
      maxExtensions: options.maxExtensions ?? 3,
      requireApproval: false,
      guardrails: options.guardrails ?? [errorShare],
    });
    const draft = await api.get(CreateRollout).execute({
      actor: operator,
      flagKey: flag.key,
      targetVariant: 'on',
      plan: { stages: [stage(50), stage(100)] },
    });
    return api.get(StartRollout).execute({ actor: operator, rolloutId: draft.id });
  };

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const current = async (rolloutId: string) => (await worker.get(RolloutRepository).find(rolloutId))!;
  const decisions = (rolloutId: string) =>
    db.rows<{ decision: string; evidence: { evaluation?: RolloutEvaluation } }>(
      'SELECT decision, evidence FROM rollout_decisions WHERE rollout_id = $1 ORDER BY seq',
      [rolloutId],
    );
  const queryErrors = async (reason: string) =>
    parseExposition((await worker.get(Metrics).render()).body).value('rollout_guardrail_query_errors_total', {
      reason,
    });

  /** Evaluates the rollout now, once a second, until `until` says stop or it is no longer running. */
  const evaluateUntil = async (
    rolloutId: string,
    until: (decision: string) => boolean,
    timeoutMs = 15_000,
  ): Promise<string[]> => {
    const taken: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rollout = await current(rolloutId);
      if (rollout.status !== 'running') return taken;
      const outcome = await worker.get(EvaluateRollouts).evaluate(rollout, Date.now());
      if (outcome.applied) taken.push(outcome.decision);
      if (until(outcome.decision) || Date.now() > deadline) return taken;
      await sleep(1_000);
    }
  };

  it('rolls back a target whose error share, from PromQL, breaches for forMs, with the figures as evidence', async () => {
    const rollout = await running({ on: [7, 3], off: [99, 1] }, { holdMs: 60_000 });
    const taken = await evaluateUntil(rollout.id, (decision) => decision === 'rollback');

    expect(taken.at(-1)).toBe('rollback');
    expect(taken).not.toContain('advance');
    expect((await current(rollout.id)).status).toBe('rolled_back');
    expect((await api.get(FlagSets).current()).flags[rollout.flagKey]?.defaultVariant).toBe('off');
    const last = (await decisions(rollout.id)).at(-1)!;
    expect(last.decision).toBe('rolled_back');
    const evidence = last.evidence.evaluation!.guardrails[0] as GuardrailEvidence;
    expect(evidence).toMatchObject({ id: 'checkout-errors', kind: 'prometheus', status: 'breaching' });
    // 3 errors in 10 for the target, 1 in 100 for the control, as Prometheus computed them.
    expect(evidence.value).toBeCloseTo(0.3, 2);
    expect(evidence.control?.value).toBeCloseTo(0.01, 2);
    expect(evidence.samples).toBeGreaterThanOrEqual(50);
    expect(evidence.prometheus?.query).toBe(errorShare.query);
    const incidents = await db.rows<{ symptoms: string }>(
      'SELECT symptoms FROM incidents WHERE rollout_id = $1',
      [rollout.id],
    );
    expect(incidents[0]?.symptoms).toMatch(
      /checkout-errors \(prometheus\): value 0\.3\d* > the threshold 0\.05/,
    );
  });

  it('does not roll back a healthy target, and advances it once the hold is over', async () => {
    const rollout = await running({ on: [99, 1], off: [99, 1] }, { holdMs: 4_000 });
    const taken = await evaluateUntil(rollout.id, (decision) => decision === 'advance');

    expect(taken.at(-1)).toBe('advance');
    expect(taken).not.toContain('rollback');
    expect(await current(rollout.id)).toMatchObject({ status: 'running', stageIndex: 1 });
    const advanced = (await decisions(rollout.id)).find((row) => row.decision === 'advanced')!;
    const evidence = advanced.evidence.evaluation!.guardrails[0]!;
    expect(evidence).toMatchObject({ status: 'healthy', stage: { status: 'healthy' } });
    expect(evidence.value).toBeCloseTo(0.01, 2);
  });

  it('takes a query returning nothing, or several series, as no data: extends, then pauses; never rolls back', async () => {
    const severalBefore = await queryErrors('several_series');
    const nothing: PrometheusGuardrail = {
      ...errorShare,
      id: 'nothing',
      query: 'sum(rate(checkout_refunds_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}]))',
    };
    // Without sum(): one series per outcome.
    const several: PrometheusGuardrail = {
      ...errorShare,
      id: 'several',
      query: 'rate(checkout_requests_total{flag="{{flag}}",variant="{{variant}}"}[{{window}}])',
    };
    const rollout = await running(
      { on: [7, 3], off: [99, 1] },
      { holdMs: 2_000, maxExtensions: 1, guardrails: [nothing, several] },
    );
    const taken = await evaluateUntil(rollout.id, (decision) => decision === 'pause_inconclusive');

    expect(taken).toContain('extend_hold');
    expect(taken.at(-1)).toBe('pause_inconclusive');
    expect(await current(rollout.id)).toMatchObject({ status: 'paused', pauseReason: 'inconclusive' });
    const [noSeries, manySeries] = (await decisions(rollout.id)).at(-1)!.evidence.evaluation!.guardrails;
    expect(noSeries?.status).toBe('insufficient');
    expect(noSeries?.summary).toContain('the query returned nothing for the target');
    expect(manySeries?.status).toBe('insufficient');
    expect(manySeries?.summary).toContain('query must return one series, it returned 2');
    expect(await queryErrors('several_series')).toBeGreaterThan(severalBefore);
  });

  it('refuses a plan whose query has no {{variant}} or an unknown variable, naming the field', async () => {
    const flag = booleanFlag({ defaultVariant: 'off' });
    const sets = api.get(FlagSets);
    await addFlag(sets, flag);
    const guardrails = [{ ...errorShare, query: 'sum(rate(x{ns="{{namespace}}"}[{{window}}]))' }];
    const stage = {
      percentage: 100,
      segments: [],
      holdMs: 1_000,
      extensionMs: 1_000,
      maxExtensions: 0,
      guardrails,
    };
    const refused = (await api
      .get(CreateRollout)
      .execute({ actor: operator, flagKey: flag.key, targetVariant: 'on', plan: { stages: [stage] } })
      .catch((error: unknown) => error)) as DomainError;
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.code).toBe('validation_failed');
    const errors = refused.extensions.errors as Record<string, string[]>;
    expect(Object.keys(errors)).toEqual(['plan.stages[0].guardrails[0].query']);
    expect(errors['plan.stages[0].guardrails[0].query']!.join(' ')).toMatch(
      /\{\{namespace\}\}.*\{\{variant\}\}/s,
    );
  });

  // Last: it stops the file's Prometheus.
  it('with Prometheus stopped, a breaching target has no data: never rolled back, and the failure is counted', async () => {
    const rollout = await running({ on: [7, 3], off: [99, 1] }, { holdMs: 60_000 });
    const breaching = async () =>
      ((await current(rollout.id)).guardrailState as Record<string, { breachingSince: number | null }>)[
        'checkout-errors'
      ]?.breachingSince ?? null;
    const deadline = Date.now() + 15_000;
    while ((await breaching()) === null && Date.now() < deadline) {
      await worker.get(EvaluateRollouts).evaluate(await current(rollout.id), Date.now());
      if ((await breaching()) === null) await sleep(1_000);
    }
    expect(await breaching()).not.toBeNull();

    await prometheus!.stop();
    const unreachableBefore = await queryErrors('unreachable');
    // Past forMs: with the figures, this evaluation would roll back.
    await sleep(errorShare.forMs + 200);
    const outcome = await worker.get(EvaluateRollouts).evaluate(await current(rollout.id), Date.now());

    expect(outcome.decision).toBe('continue');
    expect((await current(rollout.id)).status).toBe('running');
    expect(await queryErrors('unreachable')).toBeGreaterThan(unreachableBefore);
    const decided = (await decisions(rollout.id)).map((row) => row.decision);
    expect(decided).not.toContain('rolled_back');
  });
});
