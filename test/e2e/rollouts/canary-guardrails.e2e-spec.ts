import path from 'node:path';
import pg from 'pg';
import { booleanFlag, uniqueFlagKey } from '../../factories';
import { appEnv } from '../../support/app-env';
import { eventually } from '../../support/eventually';
import { freePort } from '../../support/free-port.mts';
import { runDatabaseUrl } from '../../support/run-settings';
import { ServerProcess } from '../../support/server-process.mts';
import { SmtpSink } from '../../support/smtp-sink';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { type RoleAccounts, createRoleAccounts, signInRoles } from '../support/role-sessions';

const GUARDED_SERVICE = path.resolve(__dirname, '../support/guarded-service.mts');
const MiB = 2 ** 20;
/** Long enough that no scenario but the healthy walk ever reaches the end of a hold. */
const LONG_HOLD_MS = 600_000;
/** A test waits for its scenario, which has run since beforeAll: the healthy walk takes longest. */
const SCENARIO_TIMEOUT_MS = 150_000;

interface Decision {
  seq: number;
  decision: string;
  reason: string;
  actor: string;
  flagVersion: number | null;
  evidence: Record<string, unknown>;
}

interface Rollout {
  id: string;
  flagKey: string;
  status: string;
  pauseReason: string | null;
  stage: number;
}

/** How a scenario's rollout ended, and when. */
interface Ended {
  rollout: Rollout;
  decisions: Decision[];
  /** From the rollout's start to its end. */
  elapsedMs: number;
}

/**
 * Canary rollouts over the real stack: two API processes, two worker processes evaluating every
 * second, an SMTP server, and per scenario a "guarded service" process (OpenFeature with the OFREP
 * provider and Rampart's guardrail hook) that evaluates its flag over HTTP and reports telemetry.
 *
 * The scenarios run at once (each has its own flag and service) and each test waits for its own:
 * the whole suite takes about as long as the healthy walk through every stage.
 */
describe('canary rollouts judged by their guardrails, end to end', () => {
  const env = appEnv({
    JWT_SECRET: 'e2e-canary-guardrails-jwt-secret-long-enough-0123',
    ROLLOUT_EVALUATION_INTERVAL_MS: '1000',
  });
  const sink = new SmtpSink();
  let workerEnv: Record<string, string>;
  let a: AppProcess;
  let b: AppProcess;
  const workers: AppProcess[] = [];
  const services: ServerProcess[] = [];
  let accounts: RoleAccounts;
  let admin: string;
  let operator: string;
  let serverKey: string;
  const scenarios = new Map<string, Promise<Ended>>();
  let killer: NodeJS.Timeout | undefined;
  let kills = 0;
  let tearingDown = false;

  const call = (method: string, route: string, token: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(a.url, method, route, { token, ...(body ? { body } : {}) });

  async function newFlag(): Promise<string> {
    const flag = booleanFlag({ key: uniqueFlagKey('canary'), defaultVariant: 'off' });
    const version = (await call('GET', '/v1/admin/flags', admin)).body.version as number;
    const created = await call('POST', '/v1/admin/flags', admin, {
      flag,
      reason: 'canary e2e',
      expectedVersion: version,
    });
    expect(created.status).toBe(201);
    return flag.key;
  }

  async function startGuardedService(flagKey: string, settings: Record<string, string>): Promise<void> {
    const port = await freePort();
    const service = new ServerProcess({
      name: `guarded ${flagKey}`,
      args: [GUARDED_SERVICE],
      cwd: path.resolve(__dirname, '../../..'),
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        RAMPART_URL: b.url,
        GUARDED_SERVER_KEY: serverKey,
        GUARDED_FLAG: flagKey,
        GUARDED_RPS: '20',
        GUARDED_USERS: '100',
        ...settings,
      },
      port,
      keepLines: 200,
    });
    services.push(service);
    await service.waitUntilReady('/health', 20_000);
  }

  /** Whether both API processes serve the control (off) to every user of the guarded service. */
  async function everyProcessServesControl(flagKey: string): Promise<boolean> {
    const answers = await Promise.all(
      [a, b].flatMap((api) =>
        Array.from({ length: 100 }, (_, user) =>
          callApi(api.url, 'POST', `/ofrep/v1/evaluate/flags/${flagKey}`, {
            body: { context: { targetingKey: `user-${user}` } },
            headers: { authorization: `Bearer ${serverKey}` },
          }),
        ),
      ),
    );
    return answers.every((answer) => answer.status === 200 && answer.body.variant === 'off');
  }

  const rolloutOf = async (id: string): Promise<Rollout> =>
    (await call('GET', `/v1/admin/rollouts/${id}`, operator)).body as unknown as Rollout;
  const decisionsOf = async (id: string): Promise<Decision[]> =>
    (await call('GET', `/v1/admin/rollouts/${id}/decisions`, operator)).body as unknown as Decision[];

  /** A flag and its draft rollout; made one after the other, as each flag commit expects the version before it. */
  async function prepare(plan: { stages: Record<string, unknown>[] }): Promise<string> {
    const flagKey = await newFlag();
    const created = await call('POST', '/v1/admin/rollouts', operator, {
      flagKey,
      targetVariant: 'on',
      plan,
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  }

  /** Starts the rollout with its guarded service; resolves when the rollout stops running. */
  async function scenario(id: string, service: Record<string, string>, timeoutMs: number): Promise<Ended> {
    await startGuardedService((await rolloutOf(id)).flagKey, service);
    const started = performance.now();
    expect((await call('POST', `/v1/admin/rollouts/${id}/start`, operator)).status).toBe(200);
    const rollout = await eventually(
      () => rolloutOf(id),
      ({ status }) => status !== 'running',
      timeoutMs,
      250,
    );
    return { rollout, decisions: await decisionsOf(id), elapsedMs: performance.now() - started };
  }

  const stage = (percentage: number, guardrails: Record<string, unknown>[], hold = {}) => ({
    percentage,
    holdMs: LONG_HOLD_MS,
    extensionMs: 5_000,
    maxExtensions: 0,
    guardrails,
    ...hold,
  });
  const exceptions = { id: 'exceptions', kind: 'exceptions' };
  const errorRate = (threshold: number, minSamples: number) => ({
    id: 'error-rate',
    kind: 'error_rate',
    threshold,
    windowMs: 30_000,
    forMs: 5_000,
    minSamples,
  });

  /** Until the suite ends, kill -9 one worker every few seconds and start another in its place. */
  function keepKillingWorkers(): void {
    killer = setTimeout(() => {
      void (async () => {
        if (tearingDown) return;
        const victim = workers.shift();
        victim?.signal('SIGKILL');
        kills += 1;
        const replacement = await AppProcess.start('worker', workerEnv);
        workers.push(replacement);
        if (tearingDown) await replacement.stop();
        else keepKillingWorkers();
      })();
    }, 4_000);
  }

  beforeAll(async () => {
    await sink.start();
    workerEnv = { ...env, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port) };
    accounts = await createRoleAccounts(env);
    [a, b] = await Promise.all([AppProcess.start('api', env), AppProcess.start('api', env)]);
    workers.push(
      ...(await Promise.all([AppProcess.start('worker', workerEnv), AppProcess.start('worker', workerEnv)])),
    );
    ({ admin, operator } = await signInRoles(a.url, accounts));
    const key = await call('POST', '/v1/admin/sdk-keys', admin, { name: 'canary e2e', kind: 'server' });
    expect(key.status).toBe(201);
    serverKey = key.body.key as string;

    const walk = { holdMs: 8_000, extensionMs: 5_000, maxExtensions: 6 };
    const plans = {
      errors: { stages: [stage(50, [errorRate(0.01, 30), exceptions]), stage(100, [exceptions])] },
      exception: { stages: [stage(50, [exceptions]), stage(100, [exceptions])] },
      memory: {
        stages: [
          stage(50, [
            { id: 'memory', kind: 'memory', thresholdBytes: 256 * MiB, windowMs: 10_000, forMs: 5_000 },
            exceptions,
          ]),
          stage(100, [exceptions]),
        ],
      },
      idle: {
        stages: [
          stage(50, [errorRate(0.01, 10), exceptions], {
            holdMs: 2_000,
            extensionMs: 2_000,
            maxExtensions: 1,
          }),
          stage(100, [exceptions]),
        ],
      },
      healthy: {
        stages: [20, 60, 100].map((percentage) => stage(percentage, [errorRate(0.05, 20), exceptions], walk)),
      },
    };
    const ids: Record<string, string> = {};
    for (const [name, plan] of Object.entries(plans)) ids[name] = await prepare(plan);

    // The scenarios run side by side; each test awaits its own. The catch only keeps a failure
    // from also being reported as an unhandled rejection before its test looks at it.
    const run = (name: string, service: Record<string, string>, timeoutMs: number): void => {
      const promise = scenario(ids[name]!, service, timeoutMs);
      promise.catch(() => undefined);
      scenarios.set(name, promise);
    };
    run('errors', { GUARDED_FAIL_SHARE: '0.3' }, 45_000);
    run('exception', { GUARDED_THROW_ONCE: '1' }, 40_000);
    run('memory', { GUARDED_LEAK_BYTES: String(384 * MiB) }, 50_000);
    run('idle', { GUARDED_RPS: '0' }, 30_000);
    run('healthy', {}, 110_000);
    keepKillingWorkers();
  }, 120_000);

  afterAll(async () => {
    tearingDown = true;
    clearTimeout(killer);
    await Promise.allSettled(services.map((service) => service.stop()));
    await Promise.allSettled([a?.stop(), b?.stop(), ...workers.map((worker) => worker.stop())]);
    await sink.stop();
  });

  it(
    'rolls back errors injected only into the target: incident with the numbers, operators mailed, audited',
    async () => {
      const { rollout, decisions, elapsedMs } = await scenarios.get('errors')!;
      console.log(`errors in the target → rolled back ${(elapsedMs / 1000).toFixed(1)} s after the start`);
      expect(rollout).toMatchObject({ status: 'rolled_back' });
      const rolledBack = decisions.at(-1)!;
      expect(rolledBack).toMatchObject({ decision: 'rolled_back', actor: 'system:rollouts' });
      expect(rolledBack.reason).toMatch(/error-rate/);
      expect(decisions.filter(({ decision }) => decision === 'rolled_back')).toHaveLength(1);
      expect(await eventually(() => everyProcessServesControl(rollout.flagKey), Boolean, 2_000)).toBe(true);

      const incidentId = rolledBack.evidence.incidentId as string;
      const incident = await call('GET', `/v1/admin/incidents/${incidentId}`, operator);
      expect(incident.status).toBe(200);
      expect(incident.body).toMatchObject({ severity: 'sev2', status: 'open', rolloutId: rollout.id });
      expect(incident.body.symptoms as string).toMatch(/error-rate \(error_rate\): errors \d+\/\d+/);
      expect(incident.body.symptoms as string).toMatch(
        /threshold 0\.01 fraction, window 30000 ms, for 5000 ms/,
      );

      const audit = await call(
        'GET',
        `/v1/admin/audit-logs?target=rollout:${rollout.id}&action=rollout.rolled_back`,
        admin,
      );
      expect(audit.body.items).toEqual([expect.objectContaining({ actor: 'system:rollouts' })]);
      // Staged in the rollback's own transaction, to every active operator and admin: in this run's
      // shared database that is every suite's accounts, a few hundred mails per rollback, which
      // the workers (killed every 4 s) deliver in their own time.
      const db = new pg.Client({ connectionString: runDatabaseUrl() });
      await db.connect();
      try {
        const staged = await db.query(
          `SELECT 1 FROM email_outbox WHERE recipient = $1 AND template = 'rollout-rolled-back'`,
          [accounts.operator.email],
        );
        expect(staged.rowCount).toBeGreaterThan(0);
      } finally {
        await db.end();
      }
      await sink.waitFor(
        () =>
          sink.mails.some(
            (mail) => mail.to.includes(accounts.operator.email) && mail.text.includes(incidentId),
          ),
        100_000,
        'the rollback mail to the operator',
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'rolls back at once on a single uncaught exception in the target',
    async () => {
      const { rollout, decisions, elapsedMs } = await scenarios.get('exception')!;
      console.log(`one uncaught exception → rolled back ${(elapsedMs / 1000).toFixed(1)} s after the start`);
      expect(rollout.status).toBe('rolled_back');
      expect(decisions.at(-1)).toMatchObject({
        decision: 'rolled_back',
        actor: 'system:rollouts',
        reason: expect.stringMatching(/uncaught exception in the target variant \(exceptions\)/) as string,
      });
      expect(await eventually(() => everyProcessServesControl(rollout.flagKey), Boolean, 2_000)).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'rolls back when the target keeps memory above the threshold for the duration',
    async () => {
      const { rollout, decisions, elapsedMs } = await scenarios.get('memory')!;
      console.log(`memory over 256 MiB → rolled back ${(elapsedMs / 1000).toFixed(1)} s after the start`);
      expect(rollout.status).toBe('rolled_back');
      const rolledBack = decisions.at(-1)!;
      expect(rolledBack.reason).toMatch(
        /memory \(memory: some process above \d+ MiB in all \d+ reported buckets/,
      );
      const memory = (
        rolledBack.evidence.evaluation as { guardrails: { id: string; value: number }[] }
      ).guardrails.find(({ id }) => id === 'memory');
      expect(memory?.value).toBeGreaterThan(384 * MiB);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'an idle service neither advances nor rolls back: paused as inconclusive for a person',
    async () => {
      const { rollout, decisions } = await scenarios.get('idle')!;
      expect(rollout).toMatchObject({ status: 'paused', pauseReason: 'inconclusive', stage: 1 });
      expect(decisions.map(({ decision }) => decision)).toEqual([
        'created',
        'started',
        'hold_extended',
        'paused_inconclusive',
      ]);
      expect(decisions.at(-1)?.reason).toMatch(/not enough data to conclude \(error-rate, exceptions\)/);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'a healthy target walks every stage to 100 %, each step once, while workers are killed with SIGKILL',
    async () => {
      const { rollout, decisions, elapsedMs } = await scenarios.get('healthy')!;
      console.log(
        `healthy walk 20 % → 60 % → 100 % completed in ${(elapsedMs / 1000).toFixed(1)} s; ${kills} workers killed meanwhile`,
      );
      expect(rollout.status).toBe('completed');
      expect(kills).toBeGreaterThan(3);
      const steps = decisions.filter(({ decision }) => ['advanced', 'completed'].includes(decision));
      expect(steps.map(({ decision }) => decision)).toEqual(['advanced', 'advanced', 'completed']);
      expect(steps.every(({ actor }) => actor === 'system:rollouts')).toBe(true);
      expect(decisions.some(({ decision }) => decision === 'rolled_back')).toBe(false);
      // Each step wrote exactly one flag-set version: no step applied twice.
      const versions = decisions.flatMap(({ flagVersion }) => (flagVersion === null ? [] : [flagVersion]));
      expect(new Set(versions).size).toBe(versions.length);
      const history = await call('GET', `/v1/admin/flags/history?flag=${rollout.flagKey}&limit=50`, admin);
      const reasons = (history.body.items as { reason: string }[])
        .map(({ reason }) => reason)
        .filter((reason) => reason.startsWith(`rollout ${rollout.id}`));
      expect(reasons).toHaveLength(4); // started, two advances, completed
      expect(new Set(reasons).size).toBe(4);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
