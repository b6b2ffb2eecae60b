// Rollback times of canary rollouts over the real stack (dist/): two API processes (A and B: one
// database, one Redis key prefix) and one worker evaluating rollouts every ROLLOUT_EVALUATION_INTERVAL_MS
// (its default unless the environment sets it; the interval used is printed).
//   manual     BENCH_ROLLOUT_ABORTS times: a rollout of bench-rollouts-manual (boolean, control `off`,
//              target `on`) started at its first stage (50 %), then POST /v1/admin/rollouts/:id/abort with
//              an incident report on A, timed from the request start until B's OFREP answer for a
//              targetingKey that stage served the target shows the control (B polled every 2 ms):
//              min/p50/p95/max against the issue's < 2 s, as PASS/FAIL
//   automatic  BENCH_ROLLOUT_BREACHES times: a rollout of bench-rollouts-automatic whose stages have an
//              `exceptions` and an `error_rate` guardrail, while a guarded service posts healthy
//              telemetry for both variants every second (POST /v1/telemetry/batches, server SDK key).
//              One batch reports an uncaught exception for the target in the current 10-s bucket; from
//              its 202 (T0) until B serves the control, broken down as T0 → the worker's evaluation (its
//              `now`; exceptions count from the bucket still filling) → the `rolled_back` decision row → B
//              serves the control. T0 falls at evenly spread points of a bucket, (i + 0.5) / n of it, to
//              show the bucket's phase no longer matters. min/p50/max against the < 15 s aim, with the
//              bound interval + propagation
// The admin (bench-rollouts-<random>@example.test) is made as in the flags scenario and signs in with
// TOTP; it issues one server SDK key. The two flags have fixed keys: a run creates them when missing,
// writes their definition over what an earlier run left, ends a rollout an interrupted run left open, and
// archives them at the end (flag-set versions stay: append-only, about 4 + 3 per rollout per run).
// The run's rollouts (with their decisions), the incidents the rollbacks opened, the rollback mails the
// worker sent to an SMTP sink in this process, the admin, the SDK key and the Redis keys are deleted.
// A rollout B does not serve the control of within the limit (5 s by hand; bucket + two intervals +
// 10 s automatically, a generous ceiling), or a setup step that does not answer as expected, fails the scenario; a time over
// the target or aim prints FAIL without failing the run.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { booleanFlag } from '../../../test/factories/flags.ts';
import { SmtpSink } from '../../../test/support/smtp-sink.ts';
import { type JsonResponse, adminMfaToken, callApi, expectAnswer } from '../admin-session.mts';
import {
  fixed,
  formatTable,
  httpRequest,
  jsonObjectOf,
  ofrepHeaders,
  passFail,
  positiveInteger,
  seen,
  sleep,
  spreadOf,
  timeChange,
  watch,
  type BenchSettings,
  type ChangeTiming,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type Spread,
  type Watch,
} from '../lib.mts';
import {
  API_LOG_LEVEL,
  OFREP_RATE_LIMITS,
  cleanUpBenchAccounts,
  createBenchAdmin,
  migrateDatabase,
  requireDist,
  startApi,
  startWorker,
} from '../servers.mts';

const FLAGS_PATH = '/v1/admin/flags';
const ROLLOUTS_PATH = '/v1/admin/rollouts';
const SDK_KEYS_PATH = '/v1/admin/sdk-keys';
const OFREP_PATH = '/ofrep/v1/evaluate/flags';
const TELEMETRY_PATH = '/v1/telemetry/batches';
const MANUAL_FLAG_KEY = 'bench-rollouts-manual';
const AUTOMATIC_FLAG_KEY = 'bench-rollouts-automatic';
const TARGET_VARIANT = 'on';
const CONTROL_VARIANT = 'off';
const REASON = 'bench: rollouts scenario';
/** The figures: request → every API process serving the control; breach → the same. */
const MANUAL_TARGET_MS = 2_000;
const AUTOMATIC_AIM_MS = 15_000;
/** B polled every 2 ms for the abort, as the flags scenario's rollbacks, and failed past 5 s. */
const MANUAL_WATCH = { timeoutMs: 5_000, pollIntervalMs: 2 };
/** Seconds apart, so 10 ms adds little to the figure and keeps B's poll traffic light. */
const AUTOMATIC_POLL_MS = 10;
/** How often the rollout's decision is read while waiting for the worker. */
const DECISION_POLL_MS = 50;
/** How often the guarded service posts a batch (the docs' sketch flushes every 5 s; 1 s keeps T0 sharp). */
const SERVICE_FLUSH_MS = 1_000;
/** Requests the guarded service reports per variant and batch, all fast and successful but the bad one. */
const SERVICE_REQUESTS = 50;
/** Latency counts per bucket bound (13, not cumulative): every request under 5 ms. */
const FAST_LATENCY = [SERVICE_REQUESTS, ...new Array<number>(12).fill(0)];
/** A targetingKey served the target at 50 % is among the first few; 40 makes a miss (2^-40) impossible. */
const CANDIDATE_KEYS = Array.from({ length: 40 }, (_, index) => `bench-rollouts-user-${index}`);
const PAUSE_BETWEEN_ROLLOUTS_MS = 20;
const MINUTE_MS = 60_000;
const INCIDENT = {
  title: 'Bench: manual rollback',
  severity: 'sev4',
  symptoms: 'none: the rollouts bench times the abort',
  causeHypothesis: 'none',
  nextSteps: 'none: the bench deletes this incident',
};

/**
 * Two stages (50 %, 100 %) holding an hour, so that within a run the worker only ever decides to roll
 * back: an uncaught exception at once, an error rate over 5 % after a minute of breaching.
 */
const PLAN = {
  stages: [50, 100].map((percentage) => ({
    percentage,
    holdMs: 60 * MINUTE_MS,
    extensionMs: 15 * MINUTE_MS,
    maxExtensions: 0,
    guardrails: [
      { id: 'exceptions', kind: 'exceptions' },
      {
        id: 'error-rate',
        kind: 'error_rate',
        threshold: 0.05,
        windowMs: MINUTE_MS,
        forMs: MINUTE_MS,
        minSamples: 100,
      },
    ],
  })),
};

/** Wall-clock time (ms since the epoch) of a performance.now() reading, to compare with the servers'. */
function wallOf(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}

interface TelemetryLayout {
  BUCKET_MS: number;
  bucketStart: (time: number) => number;
}

interface WorkerConfigModule {
  loadWorkerConfig: (env: Record<string, string | undefined>) => { rolloutEvaluationIntervalMs: number };
}

// ---------------------------------------------------------------------------------------------------------
// The admin's side, on process A

/** The bench admin's MFA session on A. */
interface Operator {
  api: ServerProcess;
  token: string;
}

function call(operator: Operator, method: string, route: string, body?: unknown): Promise<JsonResponse> {
  return callApi(operator.api, method, route, {
    token: operator.token,
    ...(body === undefined ? {} : { body }),
  });
}

/** Rows the run made, deleted at the end. */
interface Made {
  rollouts: string[];
}

/**
 * Ends the open rollout an interrupted run may have left on `flagKey` (a flag has at most one, and it
 * would refuse the next): a draft needs no incident, a started one gets the bench's.
 */
async function endOpenRollouts(operator: Operator, flagKey: string, made: Made): Promise<void> {
  const listed = await call(operator, 'GET', `${ROLLOUTS_PATH}?flag=${flagKey}&page_size=100`);
  expectAnswer(`GET ${ROLLOUTS_PATH}?flag=${flagKey}`, listed, 200);
  const items = Array.isArray(listed.body.items)
    ? (listed.body.items as { id: string; status: string }[])
    : [];
  for (const rollout of items.filter((item) => ['draft', 'running', 'paused'].includes(item.status))) {
    made.rollouts.push(rollout.id);
    const route = `${ROLLOUTS_PATH}/${rollout.id}/abort`;
    expectAnswer(`POST ${route}`, await call(operator, 'POST', route, { incident: INCIDENT }), 200);
  }
}

/** The flag-set version; each write below is based on it (If-Match) and reads it again. */
async function flagSetOf(operator: Operator): Promise<{ version: number; keys: Set<string> }> {
  const read = await call(operator, 'GET', FLAGS_PATH);
  expectAnswer(`GET ${FLAGS_PATH}`, read, 200);
  const { version, flags } = read.body;
  if (typeof version !== 'number' || !Array.isArray(flags)) {
    throw new Error(`GET ${FLAGS_PATH} answered an unexpected shape: ${read.text.slice(0, 300)}`);
  }
  return { version, keys: new Set((flags as { key: string }[]).map((flag) => flag.key)) };
}

async function writeFlags(
  operator: Operator,
  route: string,
  body: Record<string, unknown>,
  status: number,
): Promise<void> {
  const { version } = await flagSetOf(operator);
  const written = await callApi(operator.api, 'POST', route, {
    token: operator.token,
    body: { reason: REASON, ...body },
    headers: { 'if-match': `"${version}"` },
  });
  expectAnswer(`POST ${route}`, written, status);
}

/** A boolean flag serving the control (`off`) to everyone: created, or its definition written over. */
async function setUpFlag(operator: Operator, flagKey: string, made: Made): Promise<void> {
  await endOpenRollouts(operator, flagKey, made);
  const { key, ...fields } = booleanFlag({
    key: flagKey,
    name: 'Bench rollouts',
    owner: 'team-bench',
    defaultVariant: CONTROL_VARIANT,
    archived: false,
  });
  if ((await flagSetOf(operator)).keys.has(key)) {
    await writeFlags(operator, `${FLAGS_PATH}/update`, { updates: { [key]: fields } }, 200);
  } else {
    await writeFlags(operator, FLAGS_PATH, { flag: { key, ...fields } }, 201);
  }
}

async function archiveFlags(operator: Operator): Promise<void> {
  const updates = Object.fromEntries(
    [MANUAL_FLAG_KEY, AUTOMATIC_FLAG_KEY].map((key) => [key, { archived: true }]),
  );
  await writeFlags(operator, `${FLAGS_PATH}/update`, { updates }, 200);
}

/** A rollout of `flagKey` to `on` with PLAN, started: its first stage (50 %) is served at once. */
async function startRollout(operator: Operator, flagKey: string, made: Made): Promise<string> {
  const created = await call(operator, 'POST', ROLLOUTS_PATH, {
    flagKey,
    targetVariant: TARGET_VARIANT,
    plan: PLAN,
  });
  const id = expectAnswer(`POST ${ROLLOUTS_PATH}`, created, 201, 'id');
  made.rollouts.push(id);
  const started = await call(operator, 'POST', `${ROLLOUTS_PATH}/${id}/start`);
  expectAnswer(`POST ${ROLLOUTS_PATH}/:id/start`, started, 200);
  if (started.body.status !== 'running') {
    throw new Error(`POST ${ROLLOUTS_PATH}/:id/start answered ${started.text.slice(0, 300)}`);
  }
  return id;
}

async function abortRollout(operator: Operator, id: string): Promise<void> {
  const aborted = await call(operator, 'POST', `${ROLLOUTS_PATH}/${id}/abort`, { incident: INCIDENT });
  expectAnswer(`POST ${ROLLOUTS_PATH}/:id/abort`, aborted, 200, 'incidentId');
  if (aborted.body.status !== 'rolled_back') {
    throw new Error(`POST ${ROLLOUTS_PATH}/:id/abort answered ${aborted.text.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// What B serves, as an SDK sees it

/** B's OFREP evaluation of `flagKey` for one user: the boolean value, until it shows the control. */
function servesControl(b: ServerProcess, sdkKey: string, flagKey: string, targetingKey: string): Watch {
  return {
    url: `${b.url}${OFREP_PATH}/${flagKey}`,
    headers: ofrepHeaders(sdkKey),
    body: JSON.stringify({ context: { targetingKey } }),
    shows: (answer) => answer.status === 200 && jsonObjectOf(answer)?.value === false,
  };
}

/**
 * A targetingKey the running stage serves the target on B: bucketing is per rollout (the group
 * `rollout:<id>`), so it is looked up afresh each time, once B follows the start.
 */
async function targetedUser(b: ServerProcess, sdkKey: string, flagKey: string): Promise<string> {
  const deadline = performance.now() + MANUAL_WATCH.timeoutMs;
  for (;;) {
    for (const targetingKey of CANDIDATE_KEYS) {
      const answer = await httpRequest(`${b.url}${OFREP_PATH}/${flagKey}`, {
        method: 'POST',
        headers: ofrepHeaders(sdkKey),
        body: JSON.stringify({ context: { targetingKey } }),
        timeoutMs: 1_000,
      });
      if (answer.status === 200 && jsonObjectOf(answer)?.value === true) return targetingKey;
    }
    if (performance.now() > deadline) {
      throw new Error(`process B did not serve ${flagKey}'s target within ${MANUAL_WATCH.timeoutMs} ms`);
    }
    await sleep(10);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Manual rollback

async function manualRun(
  operator: Operator,
  b: ServerProcess,
  sdkKey: string,
  count: number,
  made: Made,
): Promise<ChangeTiming[]> {
  const timings: ChangeTiming[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = await startRollout(operator, MANUAL_FLAG_KEY, made);
    const user = await targetedUser(b, sdkKey, MANUAL_FLAG_KEY);
    timings.push(
      await timeChange(
        () => abortRollout(operator, id),
        servesControl(b, sdkKey, MANUAL_FLAG_KEY, user),
        MANUAL_WATCH,
      ),
    );
    await sleep(PAUSE_BETWEEN_ROLLOUTS_MS);
  }
  return timings;
}

// ---------------------------------------------------------------------------------------------------------
// Automatic rollback: a guarded service's telemetry, the worker's decision

/**
 * A service under the rollout, as the docs' OpenFeature hook reports it: every SERVICE_FLUSH_MS one
 * batch with both variants' requests in the current bucket, all fast and successful; `reportException`
 * sends one whose target report carries an uncaught exception (and the error it caused).
 */
class GuardedService {
  readonly instance = `bench-rollouts-${randomBytes(3).toString('hex')}`;
  readonly refusals: string[] = [];
  accepted = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();

  private readonly api: ServerProcess;
  private readonly sdkKey: string;
  private readonly flagKey: string;
  private readonly layout: TelemetryLayout;

  // Plain fields, not parameter properties: Node runs this file by stripping types only.
  constructor(api: ServerProcess, sdkKey: string, flagKey: string, layout: TelemetryLayout) {
    this.api = api;
    this.sdkKey = sdkKey;
    this.flagKey = flagKey;
    this.layout = layout;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.send(false).catch((error: unknown) => {
        this.refusals.push(error instanceof Error ? error.message : String(error));
      });
    }, SERVICE_FLUSH_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  /** Sends the bad batch; resolves when it is accepted, with when (performance.now()) and its bucket. */
  async reportException(): Promise<{ acceptedAt: number; bucketStart: number }> {
    return this.send(true);
  }

  private async send(exception: boolean): Promise<{ acceptedAt: number; bucketStart: number }> {
    const start = this.layout.bucketStart(Date.now());
    const report = (variant: string, bad: boolean) => ({
      flag: this.flagKey,
      variant,
      start,
      requests: SERVICE_REQUESTS,
      errors: bad ? 1 : 0,
      latency: FAST_LATENCY,
      exceptions: bad ? 1 : 0,
    });
    const body = JSON.stringify({
      batchId: randomUUID(),
      instance: this.instance,
      sentAt: Date.now(),
      memory: { bytes: process.memoryUsage().rss },
      reports: [report(TARGET_VARIANT, exception), report(CONTROL_VARIANT, false)],
    });
    const answer = await httpRequest(`${this.api.url}${TELEMETRY_PATH}`, {
      method: 'POST',
      headers: { ...ofrepHeaders(this.sdkKey), 'content-length': String(Buffer.byteLength(body)) },
      body,
      timeoutMs: 5_000,
    });
    const acceptedAt = performance.now();
    const status = jsonObjectOf(answer);
    if (answer.status !== 202 || status?.status !== 'accepted' || status.ignoredReports !== 0) {
      throw new Error(`POST ${TELEMETRY_PATH} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
    this.accepted += 1;
    return { acceptedAt, bucketStart: start };
  }
}

/** One automatic rollback, in wall-clock ms since the epoch (this process's and the servers' clock). */
interface Detection {
  /** The bad batch's 202. */
  acceptedAt: number;
  /** The `now` of the evaluation that decided to roll back. */
  evaluatedAt: number | undefined;
  /** createdAt of the `rolled_back` decision row. */
  decidedAt: number | undefined;
  /** When GET /v1/admin/rollouts/:id first showed `rolled_back`. */
  decisionReadAt: number | undefined;
  /** B's first answer with the control. */
  servedAt: number | undefined;
  /** Where in its bucket the exception was reported (ms after the bucket's start). */
  phaseMs: number;
  roundTrips: number[];
  pollErrors: number;
}

interface Decision {
  decision: string;
  createdAt: string;
  evidence?: { evaluation?: { now?: number } };
}

/** Polls the rollout until it is rolled back (or the deadline); then its `rolled_back` decision. */
async function untilRolledBack(
  operator: Operator,
  id: string,
  deadline: number,
): Promise<{ readAt: number; decision: Decision | undefined } | undefined> {
  while (performance.now() < deadline) {
    const read = await call(operator, 'GET', `${ROLLOUTS_PATH}/${id}`);
    const readAt = performance.now();
    if (read.status === 200 && read.body.status === 'rolled_back') {
      const decisions = await call(operator, 'GET', `${ROLLOUTS_PATH}/${id}/decisions`);
      const list = Array.isArray(decisions.body) ? (decisions.body as unknown as Decision[]) : [];
      return { readAt, decision: list.find((entry) => entry.decision === 'rolled_back') };
    }
    if (read.status === 200 && read.body.status !== 'running') {
      throw new Error(`rollout ${id} became ${String(read.body.status)} instead of rolled_back`);
    }
    await sleep(DECISION_POLL_MS);
  }
  return undefined;
}

async function automaticRun(
  context: {
    operator: Operator;
    b: ServerProcess;
    sdkKey: string;
    service: GuardedService;
    layout: TelemetryLayout;
    timeoutMs: number;
    log: (message: string) => void;
  },
  count: number,
  made: Made,
): Promise<Detection[]> {
  const { operator, b, sdkKey, service, layout, timeoutMs } = context;
  const detections: Detection[] = [];
  let lastExceptionBucketEnd = 0;
  for (let index = 0; index < count; index += 1) {
    // A stage counts the whole bucket it starts in, so a rollout started in the bucket holding the
    // previous run's exception would be rolled back by that exception: start in a clean bucket.
    await sleep(lastExceptionBucketEnd + 100 - Date.now());
    const id = await startRollout(operator, AUTOMATIC_FLAG_KEY, made);
    const user = await targetedUser(b, sdkKey, AUTOMATIC_FLAG_KEY);
    // T0 at an evenly spread point of a bucket: exceptions are read from the bucket still filling, so
    // the point should not show in the figure (before, the wait for the bucket to close did).
    const phaseMs = Math.round(((index + 0.5) / count) * layout.BUCKET_MS);
    const due = layout.bucketStart(Date.now()) + layout.BUCKET_MS + phaseMs;
    await sleep(due - Date.now());
    const bad = await service.reportException();
    lastExceptionBucketEnd = bad.bucketStart + layout.BUCKET_MS;
    const deadline = bad.acceptedAt + timeoutMs;
    const stop = { stopped: false };
    const sighting = watch(
      servesControl(b, sdkKey, AUTOMATIC_FLAG_KEY, user),
      deadline,
      stop,
      AUTOMATIC_POLL_MS,
    );
    let rolledBack: Awaited<ReturnType<typeof untilRolledBack>>;
    try {
      rolledBack = await untilRolledBack(operator, id, deadline);
    } finally {
      if (!rolledBack) stop.stopped = true;
    }
    const { seenAt, roundTrips, errors } = await sighting;
    const createdAt = rolledBack?.decision?.createdAt;
    const detection: Detection = {
      acceptedAt: wallOf(bad.acceptedAt),
      evaluatedAt: rolledBack?.decision?.evidence?.evaluation?.now,
      decidedAt: createdAt === undefined ? undefined : Date.parse(createdAt),
      decisionReadAt: rolledBack === undefined ? undefined : wallOf(rolledBack.readAt),
      servedAt: seenAt === undefined ? undefined : wallOf(seenAt),
      phaseMs: wallOf(bad.acceptedAt) - bad.bucketStart,
      roundTrips,
      pollErrors: errors,
    };
    detections.push(detection);
    context.log(
      `rollouts: automatic ${index + 1}/${count}: ` +
        (detection.servedAt === undefined
          ? `not served the control within ${timeoutMs} ms`
          : `${fixed(detection.servedAt - detection.acceptedAt, 0)} ms from T0 to B serving the control`),
    );
    // Left running, it would keep the flag and be judged by every later worker run.
    if (!rolledBack) await abortRollout(operator, id);
    await sleep(PAUSE_BETWEEN_ROLLOUTS_MS);
  }
  return detections;
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

/** A spread's value in ms, or '-' when nothing was seen (a 0 would read as instant). */
function ms(spread: Spread, value: number): string {
  return spread.count > 0 ? fixed(value, 0) : '-';
}

/** A spread's value as a share of `aimMs`, or '-' when nothing was seen. */
function share(spread: Spread, value: number, aimMs: number): string {
  return spread.count > 0 ? fixed(value / aimMs, 3) : '-';
}

/** min, p50, [p95,] max of a spread in ms, and p50 and max as shares of `aimMs`. */
function spreadRow(label: string, spread: Spread, aimMs: number, withP95: boolean): string[] {
  return [
    label,
    String(spread.count),
    ms(spread, spread.min),
    ms(spread, spread.p50),
    ...(withP95 ? [ms(spread, spread.p95)] : []),
    ms(spread, spread.max),
    `${share(spread, spread.p50, aimMs)} / ${share(spread, spread.max, aimMs)}`,
  ];
}

/** The values `pick` gives for the detections where both its ends were observed. */
function span(detections: Detection[], pick: (detection: Detection) => number | undefined): number[] {
  return detections.flatMap((detection) => {
    const value = pick(detection);
    return value === undefined || Number.isNaN(value) ? [] : [value];
  });
}

function difference(to: number | undefined, from: number | undefined): number | undefined {
  return to === undefined || from === undefined ? undefined : to - from;
}

export const rolloutsScenario: Scenario = {
  name: 'rollouts',
  description:
    'canary rollbacks: abort request → B serves the control; reported exception → worker → B serves it',
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const aborts = positiveInteger('BENCH_ROLLOUT_ABORTS', 10);
    const breaches = positiveInteger('BENCH_ROLLOUT_BREACHES', 5);
    const prefix = `rampart-bench-rollouts-${randomBytes(4).toString('hex')}`;
    // One signing secret and Redis prefix for the three processes: one deployment. The worker reads the
    // telemetry the API stores under that prefix.
    const apiEnv = {
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ...OFREP_RATE_LIMITS,
    };
    const layout = requireDist<TelemetryLayout>(settings, 'libs/guardrail-telemetry/src/index.js');
    const { loadWorkerConfig } = requireDist<WorkerConfigModule>(settings, 'libs/config/src/index.js');
    const workerEnv = { REDIS_KEY_PREFIX: prefix, SMTP_HOST: '127.0.0.1' };
    // What the worker will parse from the environment it inherits: the default unless it is set.
    const intervalMs = loadWorkerConfig({ ...process.env, ...workerEnv }).rolloutEvaluationIntervalMs;
    const intervalSource = process.env.ROLLOUT_EVALUATION_INTERVAL_MS
      ? 'from the environment'
      : 'the default';
    const automaticTimeoutMs = layout.BUCKET_MS + 2 * intervalMs + 10_000;
    const failures: string[] = [];
    const db = new pg.Client({ connectionString: settings.databaseUrl });
    const sink = new SmtpSink();
    const made: Made = { rollouts: [] };
    const runStartedAt = new Date();
    let connected = false;
    let adminEmail: string | undefined;
    let sdkKeyId: string | undefined;
    let operator: Operator | undefined;
    let flagsTouched = false;
    let service: GuardedService | undefined;
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;
    let worker: ServerProcess | undefined;

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'rollouts');
      await db.connect();
      connected = true;
      const admin = await createBenchAdmin(settings, prefix, 'rollouts');
      adminEmail = admin.email;

      await sink.start();
      settings.log(
        `rollouts: starting API processes A and B and the worker (ROLLOUT_EVALUATION_INTERVAL_MS ${intervalMs}, ` +
          `${intervalSource}; mail to an SMTP sink on 127.0.0.1:${sink.port})`,
      );
      [a, b, worker] = await Promise.all([
        startApi(settings, apiEnv),
        startApi(settings, apiEnv),
        startWorker(settings, { ...workerEnv, SMTP_PORT: String(sink.port) }),
      ]);
      settings.log('rollouts: enrolling the bench admin in TOTP and signing in with a code');
      operator = { api: a, token: await adminMfaToken(a, admin, settings, ROLLOUTS_PATH) };
      const issued = await call(operator, 'POST', SDK_KEYS_PATH, {
        name: `bench rollouts ${prefix}`,
        kind: 'server',
      });
      const sdkKey = expectAnswer(`POST ${SDK_KEYS_PATH}`, issued, 201, 'key');
      sdkKeyId = expectAnswer(`POST ${SDK_KEYS_PATH}`, issued, 201, 'id');
      flagsTouched = true;
      await setUpFlag(operator, MANUAL_FLAG_KEY, made);
      await setUpFlag(operator, AUTOMATIC_FLAG_KEY, made);

      settings.log(`rollouts: ${aborts} manual rollbacks (abort on A, watched on B)`);
      const manual = await manualRun(operator, b, sdkKey, aborts, made);
      const missedManual = manual.filter((timing) => timing.fromStartMs === undefined).length;
      if (missedManual > 0) {
        failures.push(
          `manual: process B did not serve the control after ${missedManual} of ${aborts} aborts within ` +
            `${MANUAL_WATCH.timeoutMs} ms`,
        );
      }

      settings.log(
        `rollouts: ${breaches} automatic rollbacks (an exception reported on A, the worker decides, watched ` +
          `on B); up to ${fixed((layout.BUCKET_MS + intervalMs) / 1000, 0)} s each`,
      );
      service = new GuardedService(a, sdkKey, AUTOMATIC_FLAG_KEY, layout);
      service.start();
      const detections = await automaticRun(
        { operator, b, sdkKey, service, layout, timeoutMs: automaticTimeoutMs, log: settings.log },
        breaches,
        made,
      );
      await service.stop();
      const missedAutomatic = detections.filter((detection) => detection.servedAt === undefined).length;
      if (missedAutomatic > 0) {
        failures.push(
          `automatic: process B did not serve the control after ${missedAutomatic} of ${breaches} reported ` +
            `exceptions within ${automaticTimeoutMs} ms`,
        );
      }
      if (service.refusals.length > 0) {
        failures.push(`guarded service: ${service.refusals.length} batches refused: ${service.refusals[0]}`);
      }
      for (const [name, server] of [
        ['API process A', a],
        ['API process B', b],
        ['worker', worker],
      ] as const) {
        if (!server.isRunning) failures.push(`${name} exited during the run\n${server.outputText()}`);
      }

      // --- report ------------------------------------------------------------------------------------
      const manualTotal = spreadOf(seen(manual, 'fromStartMs'));
      const manualCommit = spreadOf(manual.map((timing) => timing.commitMs));
      const manualAfter = spreadOf(seen(manual, 'fromAnswerMs'));
      const pollRoundTrip = spreadOf(manual.flatMap((timing) => timing.roundTrips));
      const manualTable = formatTable(
        [
          `${aborts} aborts on A, watched on B`,
          'n',
          'min ms',
          'p50 ms',
          'p95 ms',
          'max ms',
          `p50 / max ÷ ${MANUAL_TARGET_MS} ms`,
        ],
        [
          spreadRow('abort: request → answer (commit)', manualCommit, MANUAL_TARGET_MS, true),
          spreadRow("A's answer → B serves the control", manualAfter, MANUAL_TARGET_MS, true),
          spreadRow('request start → B serves the control (TTR)', manualTotal, MANUAL_TARGET_MS, true),
        ],
      );

      const total = spreadOf(span(detections, (d) => difference(d.servedAt, d.acceptedAt)));
      const toEvaluation = spreadOf(span(detections, (d) => difference(d.evaluatedAt, d.acceptedAt)));
      const toDecision = spreadOf(span(detections, (d) => difference(d.decidedAt, d.evaluatedAt)));
      const toServed = spreadOf(span(detections, (d) => difference(d.servedAt, d.decidedAt)));
      const toRead = spreadOf(span(detections, (d) => difference(d.decisionReadAt, d.decidedAt)));
      const automaticTable = formatTable(
        [
          `${breaches} reported exceptions`,
          'n',
          'min ms',
          'p50 ms',
          'max ms',
          `p50 / max ÷ ${AUTOMATIC_AIM_MS} ms`,
        ],
        [
          spreadRow(
            "T0 (batch accepted) → the worker's evaluation (now)",
            toEvaluation,
            AUTOMATIC_AIM_MS,
            false,
          ),
          spreadRow('evaluation → rolled_back decision row', toDecision, AUTOMATIC_AIM_MS, false),
          spreadRow('decision row → B serves the control', toServed, AUTOMATIC_AIM_MS, false),
          spreadRow('T0 → B serves the control (detection-to-rollback)', total, AUTOMATIC_AIM_MS, false),
        ],
      );
      const perRun = formatTable(
        ['#', 'T0 in bucket ms', '→ evaluated', '→ decided', '→ B serves', 'total ms'],
        detections.map((d, index) => [
          String(index + 1),
          fixed(d.phaseMs, 0),
          d.evaluatedAt === undefined ? '-' : fixed(d.evaluatedAt - d.acceptedAt, 0),
          d.evaluatedAt === undefined || d.decidedAt === undefined
            ? '-'
            : fixed(d.decidedAt - d.evaluatedAt, 0),
          d.decidedAt === undefined || d.servedAt === undefined ? '-' : fixed(d.servedAt - d.decidedAt, 0),
          d.servedAt === undefined ? 'missed' : fixed(d.servedAt - d.acceptedAt, 0),
        ]),
      );
      const boundMs = intervalMs + manualAfter.max;
      const summary = [
        manualTable,
        '',
        automaticTable,
        '',
        perRun,
        '',
        `note: two API processes (A, B) and one worker with NODE_ENV=test, LOG_LEVEL=${API_LOG_LEVEL}, one ` +
          `database and Redis prefix. The worker evaluates running rollouts every ${intervalMs} ms ` +
          `(ROLLOUT_EVALUATION_INTERVAL_MS, ${intervalSource}). Every rollout: ${MANUAL_FLAG_KEY} resp. ` +
          `${AUTOMATIC_FLAG_KEY} (boolean, control ${CONTROL_VARIANT}) to ${TARGET_VARIANT}, stage 1 of 2 ` +
          '(50 %), watched on B for a targetingKey that stage served the target.',
        `note: manual: B polled every ${MANUAL_WATCH.pollIntervalMs} ms from the request start, a new ` +
          `connection per poll (round trip p50 ${fixed(pollRoundTrip.p50)} ms): times are to the first ` +
          'answer showing the control, so up to one poll late.',
        `note: automatic: a guarded service posts a batch every ${SERVICE_FLUSH_MS} ms (${SERVICE_REQUESTS} ` +
          'fast, successful requests per variant in the current bucket; the bad batch adds one uncaught ' +
          `exception and one error to the target's). The worker counts exceptions from the ` +
          `${layout.BUCKET_MS / 1000}-s bucket still filling too (rates only from closed ones). B polled every ` +
          `${AUTOMATIC_POLL_MS} ms. Stage times from the rollback's decision row (its createdAt, and its ` +
          "evidence's evaluation time); this machine's clock for all.",
        `note: bound: the next evaluation runs ≤ ${intervalMs} ms after T0, then the decision's ` +
          `transaction and propagation to B (manual max here ${fixed(manualAfter.max, 0)} ms): ≤ ` +
          `${fixed(boundMs / 1000, 1)} s; about half that on average. T0 fell at (i + 0.5) / ${breaches} of ` +
          `a bucket for i = 0..${breaches - 1}. A client that sends only closed buckets adds up to a bucket; ` +
          "Rampart's guardrail client sends an exception at once.",
        `note: GET ${ROLLOUTS_PATH}/:id showed rolled_back p50 ${fixed(toRead.p50, 0)} ms after the decision ` +
          `row (polled every ${DECISION_POLL_MS} ms). The guarded service sent ${service.accepted} batches.`,
        `manual rollback TTR (abort request → B serves the control): min ${ms(manualTotal, manualTotal.min)} ` +
          `ms, p50 ${ms(manualTotal, manualTotal.p50)} ms, p95 ${ms(manualTotal, manualTotal.p95)} ms, max ` +
          `${ms(manualTotal, manualTotal.max)} ms; max ÷ target = ` +
          `${share(manualTotal, manualTotal.max, MANUAL_TARGET_MS)}; target < ${MANUAL_TARGET_MS} ms: ` +
          passFail(missedManual === 0 && manualTotal.max < MANUAL_TARGET_MS),
        `automatic detection-to-rollback (exception accepted → B serves the control): min ${ms(total, total.min)} ` +
          `ms, p50 ${ms(total, total.p50)} ms, max ${ms(total, total.max)} ms; p50 ÷ aim = ` +
          `${share(total, total.p50, AUTOMATIC_AIM_MS)}, max ÷ aim = ${share(total, total.max, AUTOMATIC_AIM_MS)}; ` +
          `aim < ${AUTOMATIC_AIM_MS} ms: ${passFail(missedAutomatic === 0 && total.max < AUTOMATIC_AIM_MS)} ` +
          `(bound ${fixed(boundMs, 0)} ms)`,
      ];
      const extra: Record<string, number | string> = {
        evaluationIntervalMs: intervalMs,
        manualAborts: aborts,
        manualTtrMinMs: manualTotal.min,
        manualTtrP50Ms: manualTotal.p50,
        manualTtrP95Ms: manualTotal.p95,
        manualTtrMaxMs: manualTotal.max,
        manualCommitP50Ms: manualCommit.p50,
        automaticBreaches: breaches,
        automaticMinMs: total.min,
        automaticP50Ms: total.p50,
        automaticMaxMs: total.max,
        automaticToEvaluationP50Ms: toEvaluation.p50,
        automaticDecisionP50Ms: toDecision.p50,
        automaticPropagationP50Ms: toServed.p50,
        automaticBoundMs: boundMs,
      };
      return {
        scenario: rolloutsScenario.name,
        description: rolloutsScenario.description,
        setup:
          `${aborts} aborts on A watched on B; ${breaches} exceptions reported to A, decided by the worker ` +
          `(every ${intervalMs} ms), watched on B`,
        targets: [],
        summary,
        failures,
        extra,
      };
    } finally {
      await service?.stop();
      if (operator && flagsTouched && a?.isRunning) {
        try {
          for (const flagKey of [MANUAL_FLAG_KEY, AUTOMATIC_FLAG_KEY]) {
            await endOpenRollouts(operator, flagKey, made);
          }
          await archiveFlags(operator);
        } catch (error) {
          settings.log(
            `rollouts: archiving the bench flags failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      // Stopped before the rows go: each API process writes its SDK keys' last use as it stops, and the
      // worker must not be sending a rollback mail whose row is deleted.
      await Promise.all([a?.stop(), b?.stop(), worker?.stop()]);
      await sink.stop();
      const keyId = sdkKeyId;
      const rollouts = [...new Set(made.rollouts)];
      await cleanUpBenchAccounts(settings, 'rollouts', {
        db: connected ? db : undefined,
        emails: adminEmail ? [adminEmail] : [],
        redisKeyPrefix: prefix,
        deleteMore: async (client: pg.Client) => {
          const count = async (text: string, values: unknown[]): Promise<number> =>
            (await client.query(text, values)).rowCount ?? 0;
          return {
            // The incidents first: they keep their rollout from being deleted. Decisions cascade.
            incidents: await count('DELETE FROM incidents WHERE rollout_id = ANY($1::uuid[])', [rollouts]),
            rollouts: await count('DELETE FROM rollouts WHERE id = ANY($1::uuid[])', [rollouts]),
            email_outbox: await count(
              "DELETE FROM email_outbox WHERE template = 'rollout-rolled-back' AND created_at >= $1",
              [runStartedAt],
            ),
            sdk_keys: keyId ? await count('DELETE FROM sdk_keys WHERE id = $1', [keyId]) : 0,
          };
        },
      });
    }
  },
};
