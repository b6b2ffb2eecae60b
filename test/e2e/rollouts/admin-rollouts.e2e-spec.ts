import { booleanFlag, uniqueFlagKey } from '../../factories';
import { appEnv } from '../../support/app-env';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { createRoleAccounts, signInRoles } from '../support/role-sessions';

const GHOST = '6f1c1a6e-8d2a-4a8e-9a5e-2f4f0e0b7c11';
const PROBLEM_JSON = 'application/problem+json';
const TTR_BOUND_MS = 2_000;

/**
 * The rollouts admin API over two built API processes: who may read and operate, the problem+json
 * codes, and the manual rollback's time to recover (the request until the other process serves the
 * control over OFREP), measured.
 */
describe('rollouts admin API', () => {
  const env = appEnv({ JWT_SECRET: 'e2e-rollouts-jwt-secret-that-is-long-enough-012' });
  let a: AppProcess;
  let b: AppProcess;
  let admin: string;
  let operator: string;
  let viewer: string;
  let serverKey: string;

  beforeAll(async () => {
    const accounts = await createRoleAccounts(env);
    [a, b] = await Promise.all([AppProcess.start('api', env), AppProcess.start('api', env)]);
    ({ admin, operator, viewer } = await signInRoles(a.url, accounts));
    const key = await call('POST', '/v1/admin/sdk-keys', admin, { name: 'e2e rollouts', kind: 'server' });
    expect(key.status).toBe(201);
    serverKey = key.body.key as string;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const call = (
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<ApiAnswer> =>
    callApi(a.url, method, path, { ...(token ? { token } : {}), ...(body ? { body } : {}) });
  const version = async (): Promise<number> =>
    (await call('GET', '/v1/admin/flags', admin)).body.version as number;
  const newFlag = async (): Promise<string> => {
    const flag = booleanFlag({ key: uniqueFlagKey('rollout'), defaultVariant: 'off' });
    const created = await call('POST', '/v1/admin/flags', admin, {
      flag,
      reason: 'rollouts e2e',
      expectedVersion: await version(),
    });
    expect(created.status).toBe(201);
    return flag.key;
  };
  const plan = {
    stages: [50, 100].map((percentage) => ({
      percentage,
      holdMs: 1_000,
      extensionMs: 1_000,
      maxExtensions: 0,
      guardrails: [{ id: 'exceptions', kind: 'exceptions' }],
    })),
  };
  const create = async (flagKey: string, token = operator): Promise<ApiAnswer> =>
    call('POST', '/v1/admin/rollouts', token, { flagKey, targetVariant: 'on', plan });
  const report = {
    title: 'Errors after 50 %',
    severity: 'sev2',
    symptoms: '5xx on /checkout',
    causeHypothesis: 'the new path times out',
    nextSteps: 'fix and try again',
  };

  it('creates, starts, reads, lists decisions; every role as the permission map says', async () => {
    const flagKey = await newFlag();
    const created = await create(flagKey);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/v1/admin/rollouts/${id}`);
    expect(created.body).toMatchObject({ status: 'draft', stage: 1, stageCount: 2, stateVersion: 1 });

    expect((await call('POST', `/v1/admin/rollouts/${id}/start`, viewer)).status).toBe(403);
    expect((await call('GET', `/v1/admin/rollouts/${id}`, undefined)).status).toBe(401);
    const started = await call('POST', `/v1/admin/rollouts/${id}/start`, admin, { expectedStateVersion: 1 });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      status: 'running',
      exposure: { percentage: 50, segments: [] },
      lastDecision: { decision: 'started' },
    });

    const read = await call('GET', `/v1/admin/rollouts/${id}`, viewer);
    expect(read.status).toBe(200);
    expect((await call('GET', '/v1/admin/rollouts?status=running', viewer)).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id })]),
    );
    const decisions = await call('GET', `/v1/admin/rollouts/${id}/decisions`, viewer);
    expect((decisions.body as unknown as { decision: string }[]).map((entry) => entry.decision)).toEqual([
      'created',
      'started',
    ]);
    expect((await call('POST', `/v1/admin/rollouts/${id}/pause`, operator)).body).toMatchObject({
      status: 'paused',
      pauseReason: 'manual',
    });
    expect((await call('POST', `/v1/admin/rollouts/${id}/resume`, operator)).body.status).toBe('running');
    expect((await call('POST', `/v1/admin/rollouts/${id}/advance`, operator)).body.stage).toBe(2);
    expect((await call('POST', `/v1/admin/rollouts/${id}/advance`, operator)).body).toMatchObject({
      status: 'completed',
      exposure: { percentage: 100 },
    });
  });

  it('answers problem+json with stable codes', async () => {
    const flagKey = await newFlag();
    const missing = await call('GET', `/v1/admin/rollouts/${GHOST}`, viewer);
    expect([missing.status, missing.body.code]).toEqual([404, 'rollout_not_found']);
    expect(missing.headers.get('content-type')).toContain(PROBLEM_JSON);

    const invalid = await call('POST', '/v1/admin/rollouts', operator, {
      flagKey,
      targetVariant: 'purple',
      plan: { stages: [{ percentage: 50 }] },
    });
    expect([invalid.status, invalid.body.code]).toEqual([400, 'validation_failed']);

    const id = (await create(flagKey)).body.id as string;
    expect((await create(flagKey)).body.code).toBe('rollout_active');
    const pause = await call('POST', `/v1/admin/rollouts/${id}/pause`, operator);
    expect([pause.status, pause.body.code]).toEqual([409, 'invalid_transition']);
    await call('POST', `/v1/admin/rollouts/${id}/start`, operator);
    const stale = await call('POST', `/v1/admin/rollouts/${id}/advance`, operator, {
      expectedStateVersion: 1,
    });
    expect([stale.status, stale.body.code]).toEqual([409, 'rollout_conflict']);

    const edit = await call('PATCH', `/v1/admin/flags/${flagKey}`, admin, {
      changes: { defaultVariant: 'on' },
      reason: 'tug of war',
      expectedVersion: await version(),
    });
    expect([edit.status, edit.body.code]).toEqual([409, 'rollout_active']);

    const noReport = await call('POST', `/v1/admin/rollouts/${id}/abort`, operator, {});
    expect([noReport.status, noReport.body.code]).toEqual([400, 'validation_failed']);
  });

  it('rolls back by hand: the other API process serves the control in under 2 s', async () => {
    const flagKey = await newFlag();
    const id = (await create(flagKey)).body.id as string;
    await call('POST', `/v1/admin/rollouts/${id}/start`, operator);
    await call('POST', `/v1/admin/rollouts/${id}/advance`, operator);
    const evaluateOnB = async (): Promise<unknown> =>
      (
        await callApi(b.url, 'POST', `/ofrep/v1/evaluate/flags/${flagKey}`, {
          body: { context: { targetingKey: 'user-1' } },
          headers: { authorization: `Bearer ${serverKey}` },
        })
      ).body.value;
    // At 100 % everyone gets the target; wait until B has it.
    for (let tries = 0; (await evaluateOnB()) !== true; tries++) {
      if (tries > 100) throw new Error('process B never served the target');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const requested = performance.now();
    const aborted = await call('POST', `/v1/admin/rollouts/${id}/abort`, operator, { incident: report });
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ status: 'rolled_back' });
    expect(typeof aborted.body.incidentId).toBe('string');
    while ((await evaluateOnB()) !== false) {
      if (performance.now() - requested > 10_000) throw new Error('process B never served the control');
    }
    const ttrMs = performance.now() - requested;
    console.log(
      `manual rollback TTR (request → second API process serving the control): ${ttrMs.toFixed(0)} ms`,
    );
    expect(ttrMs).toBeLessThan(TTR_BOUND_MS);
  });
});
