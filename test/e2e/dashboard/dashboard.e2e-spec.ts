import {
  BANNER_TEXT,
  type DashboardStack,
  ERROR_THRESHOLD,
  startDashboardStack,
  untilBreaching,
} from './dashboard-stack';

const PROBLEM_JSON = 'application/problem+json';

/**
 * GET /v1/admin/dashboard over the built API with a worker evaluating a running rollout: the banner
 * from the release settings, the rollout's guardrails before and after the worker's evaluation, the
 * incident, queue health and the API's own error rate and p95; who may read it.
 */
describe('Phase-1 dashboard: GET /v1/admin/dashboard', () => {
  let stack: DashboardStack;

  beforeAll(async () => {
    stack = await startDashboardStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("shows the stage's guardrails as pending with their thresholds before the worker judged any", async () => {
    const answer = await stack.dashboard(stack.tokens.viewer);
    expect(answer.status).toBe(200);
    expect(answer.body.banner).toEqual({
      text: BANNER_TEXT,
      name: 'ATLAS',
      version: 'v1',
      build: 'phase1',
      commit: 'f42638c',
      date: '2025-09-24',
      mode: 'Admin-Only Mode',
    });
    const rollout = (answer.body.rollouts as Record<string, unknown>[]).find(
      (shown) => shown.id === stack.rolloutId,
    );
    expect(rollout).toMatchObject({
      flagKey: stack.flagKey,
      targetVariant: 'on',
      status: 'running',
      stage: 1,
      stageCount: 2,
      exposure: { percentage: 50, segments: [] },
      evaluatedAt: null,
      lastDecision: { decision: 'started', actor: `user:${stack.accounts.operator.id}` },
      guardrails: [
        {
          id: 'errors',
          kind: 'error_rate',
          status: 'pending',
          value: null,
          threshold: ERROR_THRESHOLD,
          unit: 'fraction',
        },
        { id: 'crashes', kind: 'exceptions', status: 'pending', value: null, threshold: 0, unit: 'count' },
      ],
    });
    expect(Date.parse(rollout!.holdEndsAt as string) - Date.parse(rollout!.stageStartedAt as string)).toBe(
      3_600_000,
    );
  });

  it("shows the worker's verdicts, the last decision, the incident, queues and the API's own figures", async () => {
    await stack.reportBreachingTelemetry();
    const answer = await untilBreaching(stack);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');

    const body = answer.body;
    const rollout = (body.rollouts as Record<string, unknown>[]).find(
      (shown) => shown.id === stack.rolloutId,
    );
    expect(rollout).toMatchObject({
      status: 'running',
      stage: 1,
      evaluatedAt: expect.any(String) as unknown,
      guardrails: [
        {
          id: 'errors',
          kind: 'error_rate',
          status: 'breaching',
          value: 0.3,
          threshold: ERROR_THRESHOLD,
          unit: 'fraction',
          samples: 100,
          breachingSince: expect.any(String) as unknown,
        },
        {
          id: 'crashes',
          kind: 'exceptions',
          status: 'healthy',
          value: 0,
          threshold: 0,
          unit: 'count',
          samples: 100,
        },
      ],
      lastDecision: {
        decision: 'guardrails_changed',
        actor: 'system:rollouts',
        reason: expect.any(String) as unknown,
      },
    });

    expect(body.flags).toMatchObject({
      version: expect.any(Number) as unknown,
      lastChange: { actor: `user:${stack.accounts.operator.id}`, kind: 'change' },
    });
    expect((body.flags as { lastChange: { reason: string } }).lastChange.reason).toContain(
      `rollout ${stack.rolloutId}`,
    );

    expect(body.incidents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: stack.incidentId,
          title: 'Checkout errors at 50 %',
          severity: 'sev2',
          status: 'open',
          rolloutId: stack.rolloutId,
          rollout: `/v1/admin/rollouts/${stack.rolloutId}`,
        }),
      ]),
    );

    const queues = body.queues as { available: boolean; queues: Record<string, unknown>[] };
    expect(queues.available).toBe(true);
    expect(queues.queues.map((queue) => queue.name).sort()).toEqual(['email', 'maintenance']);
    for (const queue of queues.queues) {
      for (const count of ['waiting', 'active', 'delayed', 'failed'])
        expect(queue[count]).toEqual(expect.any(Number));
    }

    // The polling above is traffic of this API process; its tally reaches Redis within about a second.
    const api = (await stack.dashboard(stack.tokens.viewer)).body.api as Record<string, unknown>;
    expect(api).toMatchObject({ available: true, windowMs: 600_000 });
    expect(api.requests).toBeGreaterThan(0);
    expect(api.errorRate).toEqual(expect.any(Number));
    expect(api.p95Ms).toBeGreaterThan(0);
    expect(typeof body.generatedAt).toBe('string');
  });

  it('lets viewers, operators and admins read it; anonymous callers get a 401 problem', async () => {
    for (const token of [stack.tokens.viewer, stack.tokens.operator, stack.tokens.admin]) {
      expect((await stack.dashboard(token)).status).toBe(200);
    }
    const anonymous = await stack.dashboard();
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    expect(anonymous.headers.get('content-type')).toContain(PROBLEM_JSON);
    expect(anonymous.body.banner).toBeUndefined();
  });
});
