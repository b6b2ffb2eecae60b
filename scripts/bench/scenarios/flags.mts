// Feature flags of the real API (dist/): OFREP evaluation under load, and how fast a change committed
// on one API process is served by another.
//   load         against process A, one after the other, each over the healthz scenario's connections,
//                in LOAD_ROUNDS rounds (the ratios use each target's mean over its rounds):
//                GET /__healthz (the baseline, same process and run), OFREP single (POST
//                /ofrep/v1/evaluate/flags/bench-flags-checkout-flow: five rules, a prerequisite, a segment,
//                rollouts and splits), OFREP bulk (POST /ofrep/v1/evaluate/flags, the 20 bench flags) with
//                one six-attribute context per connection (50 users), and bulk with If-None-Match = the
//                ETag of one context's answer, which must answer 304 every time. The OFREP limiter stays on
//                (RATE_LIMIT_OFREP=1000000/1, the most the config takes: every request counted in Redis,
//                none refused). Prints req/s and latency, errors, RSS and CPU as healthz does, and
//                single, bulk and 304 ÷ healthz req/s against the issue's targets (single >= 0.8, bulk >=
//                0.6, 304 >= 0.9), as PASS/FAIL without failing the run
//   propagation  BENCH_FLAG_TOGGLES times: PUT /v1/admin/flags/bench-flags-kill-switch-exports/enabled on A
//                (If-Match: the version the previous write left), while process B (same database and
//                Redis prefix) is polled every 2 ms over one-connection requests until its OFREP answer
//                for that flag shows the new value: p50/p90/p99/max from A's answer and from the request
//                start (commit included)
//   rollback     10 times: POST /v1/admin/flags/rollback {allOff: true}, then {toVersion: <the version
//                before>} on A, each timed from the request start until B's bulk answer shows every bench
//                flag off, resp. exactly the values it served before: p50/max, target < 2 s as PASS/FAIL
// The admin (bench-flags-<random>@example.test) is made by the tests' factories through the build's
// repositories, enrols TOTP through the API and signs in with a code (flag writes and SDK keys need an
// admin session that passed MFA); it issues one server SDK key. The 20 flags and their segment have
// fixed keys (bench-flags-*, scripts/bench/flag-set.mts): a run creates what is missing and writes every
// flag's definition over what an earlier run left, and at the end archives the flags and deletes the
// segment. Flags cannot be deleted: the flag set is versioned and append-only, so every version a run
// writes (about 25 + toggles + 20 rollbacks) stays in the bench database, with its audit entries; fixed
// keys keep those versions from growing run after run. The admin (sessions and MFA state cascade), its
// login attempts and throttles, the SDK key and the Redis keys of the run's prefix are deleted. Two runs
// at the same time on one database would contend for the flag set's versions. A setup step or check that
// does not answer as expected, any request error, timeout or non-2xx under load (non-304 for the 304
// target), or a change B does not serve within 5 s fails the scenario.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type JsonResponse, adminMfaToken, callApi, expectAnswer } from '../admin-session.mts';
import {
  BENCH_FLAGS,
  BENCH_SEGMENT,
  SINGLE_FLAG_KEY,
  TOGGLE_FLAG_KEY,
  type BenchContext,
  benchContexts,
} from '../flag-set.mts';
import {
  cpuLines,
  fixed,
  formatTable,
  httpRequest,
  jsonObjectOf,
  loadFailures,
  measureServer,
  microsPerRequest,
  ofrepHeaders,
  passFail,
  positiveInteger,
  seen,
  sleep,
  spreadOf,
  summarizeRounds,
  targetTable,
  timeChange,
  type BenchSettings,
  type ChangeTiming,
  type HttpResponse,
  type RoundsSummary,
  type Spread,
  type Watch,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type TargetResult,
} from '../lib.mts';
import {
  API_LOG_LEVEL,
  OFREP_RATE_LIMITS,
  cleanUpBenchAccounts,
  createBenchAdmin,
  migrateDatabase,
  startApi,
} from '../servers.mts';

const HEALTHZ_PATH = '/__healthz';
/** Rounds of the four load targets, one after the other in each round. */
const LOAD_ROUNDS = 2;
const OFREP_PATH = '/ofrep/v1/evaluate/flags';
const FLAGS_PATH = '/v1/admin/flags';
const SEGMENTS_PATH = '/v1/admin/segments';
const SDK_KEYS_PATH = '/v1/admin/sdk-keys';
/** Pause between two polls of process B (each on a new connection, so a round trip comes on top). */
const POLL_INTERVAL_MS = 2;
/** A change B does not serve within this fails the scenario. */
const PROPAGATION_TIMEOUT_MS = 5_000;
const WATCH_LIMITS = { timeoutMs: PROPAGATION_TIMEOUT_MS, pollIntervalMs: POLL_INTERVAL_MS };
/** Quiet time between two measured changes, so each starts from a settled state. */
const PAUSE_BETWEEN_CHANGES_MS = 20;
const ROLLBACKS = 10;
const ROLLBACK_TARGET_MS = 2_000;
/** The issue's targets, as req/s ratios to GET /__healthz of the same process. */
const RATIO_TARGETS = { single: 0.8, bulk: 0.6, notModified: 0.9 } as const;
const REASON = 'bench: flags scenario';
const BENCH_KEYS = new Set(BENCH_FLAGS.map((flag) => flag.key));

// ---------------------------------------------------------------------------------------------------------
// The flag set, written by the bench admin on process A

/** The admin's writes, each based on the version the previous one left (If-Match). */
interface FlagSetWriter {
  api: ServerProcess;
  token: string;
  version: number;
}

interface FlagSetRead {
  version: number;
  /** Keys of every flag in the set, archived ones included. */
  keys: Set<string>;
  /** Flags that are not archived: what a bulk evaluation lists. */
  live: number;
  /** Size of the set's flags as JSON: what every process loads on a change. */
  bytes: number;
}

async function readFlagSet(writer: FlagSetWriter): Promise<FlagSetRead> {
  const read = await callApi(writer.api, 'GET', FLAGS_PATH, { token: writer.token });
  expectAnswer(`GET ${FLAGS_PATH}`, read, 200);
  const { version, flags } = read.body;
  if (typeof version !== 'number' || !Array.isArray(flags)) {
    throw new Error(`GET ${FLAGS_PATH} answered an unexpected shape: ${read.text.slice(0, 300)}`);
  }
  writer.version = version;
  const entries = flags as { key: string; archived?: boolean }[];
  return {
    version,
    keys: new Set(entries.map((flag) => flag.key)),
    live: entries.filter((flag) => flag.archived !== true).length,
    bytes: Buffer.byteLength(JSON.stringify(flags)),
  };
}

/** One write to the flag set with If-Match and the bench's reason; the answer's version is the next base. */
async function writeFlagSet(
  writer: FlagSetWriter,
  method: string,
  route: string,
  body: Record<string, unknown>,
  status = 200,
): Promise<JsonResponse> {
  const response = await callApi(writer.api, method, route, {
    token: writer.token,
    body: { reason: REASON, ...body },
    headers: { 'if-match': `"${writer.version}"` },
  });
  expectAnswer(`${method} ${route}`, response, status);
  const { version } = response.body;
  if (typeof version !== 'number') {
    throw new Error(`${method} ${route} answered no version: ${response.text.slice(0, 300)}`);
  }
  writer.version = version;
  return response;
}

/**
 * The segment and the 20 flags as scripts/bench/flag-set.mts defines them: created when missing, and
 * otherwise written over what an earlier run left (archived, possibly switched or rolled back), every
 * field given, in one version.
 */
async function setUpFlagSet(writer: FlagSetWriter): Promise<FlagSetRead> {
  const segments = await callApi(writer.api, 'GET', SEGMENTS_PATH, { token: writer.token });
  expectAnswer(`GET ${SEGMENTS_PATH}`, segments, 200);
  const listed = Array.isArray(segments.body.segments) ? (segments.body.segments as { key: string }[]) : [];
  await readFlagSet(writer);
  const { key: segmentKey, ...segmentFields } = BENCH_SEGMENT;
  if (listed.some((segment) => segment.key === segmentKey)) {
    await writeFlagSet(writer, 'PATCH', `${SEGMENTS_PATH}/${segmentKey}`, { changes: segmentFields });
  } else {
    await writeFlagSet(writer, 'POST', SEGMENTS_PATH, { segment: BENCH_SEGMENT }, 201);
  }
  const before = await readFlagSet(writer);
  const updates: Record<string, unknown> = {};
  for (const flag of BENCH_FLAGS) {
    if (before.keys.has(flag.key)) {
      const { key, ...fields } = flag;
      updates[key] = fields;
    } else {
      await writeFlagSet(writer, 'POST', FLAGS_PATH, { flag }, 201);
    }
  }
  if (Object.keys(updates).length > 0) {
    await writeFlagSet(writer, 'POST', `${FLAGS_PATH}/update`, { updates });
  }
  return readFlagSet(writer);
}

/** Archives the bench flags (one version) and deletes their segment, which only they target. */
async function retireFlagSet(writer: FlagSetWriter): Promise<void> {
  await readFlagSet(writer);
  const updates = Object.fromEntries(BENCH_FLAGS.map((flag) => [flag.key, { archived: true }]));
  await writeFlagSet(writer, 'POST', `${FLAGS_PATH}/update`, { updates });
  await writeFlagSet(writer, 'DELETE', `${SEGMENTS_PATH}/${BENCH_SEGMENT.key}`, {});
}

// ---------------------------------------------------------------------------------------------------------
// OFREP, as an SDK calls it

interface Evaluation {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
}

function contextBody(context: BenchContext): string {
  return JSON.stringify({ context });
}

/** The bench flags of a bulk answer, in key order; undefined when it is not one. */
function benchEvaluations(answer: HttpResponse): Evaluation[] | undefined {
  const body = answer.status === 200 ? jsonObjectOf(answer) : undefined;
  if (!body || !Array.isArray(body.flags)) return undefined;
  return (body.flags as Evaluation[])
    .filter((item) => BENCH_KEYS.has(item.key))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** What a bulk answer serves for the bench flags, as one comparable string. */
function servedValues(evaluations: Evaluation[]): string {
  return JSON.stringify(evaluations.map(({ key, value, variant, reason }) => [key, value, variant, reason]));
}

function ofrep(
  api: ServerProcess,
  sdkKey: string,
  flagKey: string | undefined,
  body: string,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  return httpRequest(`${api.url}${OFREP_PATH}${flagKey ? `/${flagKey}` : ''}`, {
    method: 'POST',
    headers: { ...ofrepHeaders(sdkKey), ...headers },
    body,
    timeoutMs: 10_000,
  });
}

/** Polls both processes' bulk answer until it carries `version` (each follows commits on its own). */
async function untilServed(apis: ServerProcess[], sdkKey: string, version: number): Promise<void> {
  const body = contextBody(benchContexts(1)[0] ?? {});
  for (const api of apis) {
    const deadline = performance.now() + PROPAGATION_TIMEOUT_MS;
    for (;;) {
      const metadata = jsonObjectOf(await ofrep(api, sdkKey, undefined, body))?.metadata as
        { version?: number } | undefined;
      if (metadata?.version === version) break;
      if (performance.now() > deadline) {
        throw new Error(
          `${api.url} did not serve flag-set version ${version} within ${PROPAGATION_TIMEOUT_MS} ms`,
        );
      }
      await sleep(10);
    }
  }
}

interface LoadChecks {
  /** The bulk answer's ETag for the first context. */
  etag: string;
  bulkFlags: number;
  /** Flags that are live in the set besides the bench's (they make bulk answers longer). */
  otherLiveFlags: number;
  /** Reason → count of the single flag over every context. */
  singleReasons: Record<string, number>;
  singleVariants: Record<string, number>;
}

/**
 * What the load will ask answers as it should: the single flag for every context (200, a string),
 * bulk with all 20 bench flags and no failed item, and bulk with If-None-Match = its ETag answering 304.
 */
async function checkOfrep(api: ServerProcess, sdkKey: string, contexts: BenchContext[]): Promise<LoadChecks> {
  const singleReasons: Record<string, number> = {};
  const singleVariants: Record<string, number> = {};
  for (const context of contexts) {
    const answer = await ofrep(api, sdkKey, SINGLE_FLAG_KEY, contextBody(context));
    const body = jsonObjectOf(answer);
    if (answer.status !== 200 || typeof body?.value !== 'string' || typeof body.reason !== 'string') {
      throw new Error(
        `OFREP single ${SINGLE_FLAG_KEY} answered ${answer.status}: ${answer.body.slice(0, 300)}`,
      );
    }
    singleReasons[body.reason] = (singleReasons[body.reason] ?? 0) + 1;
    singleVariants[String(body.variant)] = (singleVariants[String(body.variant)] ?? 0) + 1;
  }
  const body = contextBody(contexts[0] ?? {});
  const bulk = await ofrep(api, sdkKey, undefined, body);
  const evaluations = benchEvaluations(bulk);
  const etag = bulk.headers.etag;
  if (!evaluations || typeof etag !== 'string') {
    throw new Error(`OFREP bulk answered ${bulk.status} without flags or ETag: ${bulk.body.slice(0, 300)}`);
  }
  const failed = evaluations.filter((item) => item.errorCode !== undefined);
  if (evaluations.length !== BENCH_FLAGS.length || failed.length > 0) {
    throw new Error(
      `OFREP bulk served ${evaluations.length} of ${BENCH_FLAGS.length} bench flags` +
        (failed.length > 0 ? `, failing ${JSON.stringify(failed).slice(0, 300)}` : ''),
    );
  }
  const all = (jsonObjectOf(bulk)?.flags as unknown[]).length;
  const notModified = await ofrep(api, sdkKey, undefined, body, { 'if-none-match': etag });
  if (notModified.status !== 304) {
    throw new Error(`OFREP bulk with If-None-Match ${etag} answered ${notModified.status} (expected 304)`);
  }
  return {
    etag,
    bulkFlags: all,
    otherLiveFlags: all - evaluations.length,
    singleReasons,
    singleVariants,
  };
}

/** The 304 target's failures: any answer other than 304 counts, where loadFailures counts non-2xx. */
function notModifiedFailures(target: TargetResult): { failures: string[]; unexpected: number } {
  const { load } = target;
  const unexpected = Object.entries(load.statusCodes)
    .filter(([status]) => status !== '304')
    .reduce((sum, [, count]) => sum + count, 0);
  const failures = loadFailures({ ...target, load: { ...load, non2xx: 0 } });
  if (unexpected > 0) {
    failures.push(
      `${target.name}: ${unexpected} answers other than 304 (${JSON.stringify(load.statusCodes)})`,
    );
  }
  return { failures, unexpected };
}

// ---------------------------------------------------------------------------------------------------------
// Propagation: a change committed on A, watched on B

/** `count` switches of the toggle flag on A (off, on, off, ...), each watched on B's single evaluation. */
async function toggleRun(
  writer: FlagSetWriter,
  b: ServerProcess,
  sdkKey: string,
  context: BenchContext,
  count: number,
): Promise<ChangeTiming[]> {
  const timings: ChangeTiming[] = [];
  for (let index = 0; index < count; index += 1) {
    // The flag starts on (its definition); it has no rules, so on serves true and off false to anyone.
    const enabled = index % 2 === 1;
    timings.push(
      await timeChange(
        () => writeFlagSet(writer, 'PUT', `${FLAGS_PATH}/${TOGGLE_FLAG_KEY}/enabled`, { enabled }),
        {
          url: `${b.url}${OFREP_PATH}/${TOGGLE_FLAG_KEY}`,
          headers: ofrepHeaders(sdkKey),
          body: contextBody(context),
          shows: (answer) => answer.status === 200 && jsonObjectOf(answer)?.value === enabled,
        },
        WATCH_LIMITS,
      ),
    );
    await sleep(PAUSE_BETWEEN_CHANGES_MS);
  }
  return timings;
}

interface RollbackTimings {
  allOff: ChangeTiming[];
  restore: ChangeTiming[];
}

/**
 * ROLLBACKS times: every flag off, then back to the version before, each watched on B's bulk answer
 * (every bench flag DISABLED; then exactly what B served before the first rollback).
 */
async function rollbackRun(
  writer: FlagSetWriter,
  b: ServerProcess,
  sdkKey: string,
  context: BenchContext,
): Promise<RollbackTimings> {
  const url = `${b.url}${OFREP_PATH}`;
  const body = contextBody(context);
  const headers = ofrepHeaders(sdkKey);
  const before = benchEvaluations(await ofrep(b, sdkKey, undefined, body));
  if (!before || before.length !== BENCH_FLAGS.length) {
    throw new Error('rollback: process B does not serve the bench flags before the first rollback');
  }
  const restored = servedValues(before);
  const allOff: Watch = {
    url,
    headers,
    body,
    shows: (answer) => benchEvaluations(answer)?.every((item) => item.reason === 'DISABLED') === true,
  };
  const restoredWatch: Watch = {
    url,
    headers,
    body,
    shows: (answer) => {
      const evaluations = benchEvaluations(answer);
      return evaluations !== undefined && servedValues(evaluations) === restored;
    },
  };
  const timings: RollbackTimings = { allOff: [], restore: [] };
  for (let index = 0; index < ROLLBACKS; index += 1) {
    const toVersion = writer.version;
    timings.allOff.push(
      await timeChange(
        () => writeFlagSet(writer, 'POST', `${FLAGS_PATH}/rollback`, { allOff: true }),
        allOff,
        WATCH_LIMITS,
      ),
    );
    await sleep(PAUSE_BETWEEN_CHANGES_MS);
    timings.restore.push(
      await timeChange(
        () => writeFlagSet(writer, 'POST', `${FLAGS_PATH}/rollback`, { toVersion }),
        restoredWatch,
        WATCH_LIMITS,
      ),
    );
    await sleep(PAUSE_BETWEEN_CHANGES_MS);
  }
  return timings;
}

function missedChanges(what: string, timings: ChangeTiming[]): string[] {
  const missed = timings.filter((timing) => timing.fromStartMs === undefined).length;
  return missed > 0
    ? [
        `${what}: process B did not serve ${missed} of ${timings.length} changes within ${PROPAGATION_TIMEOUT_MS} ms`,
      ]
    : [];
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

function tally(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

export const flagsScenario: Scenario = {
  name: 'flags',
  description: 'OFREP single, bulk and 304 vs GET /__healthz; a change on one API process served by another',
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const toggles = positiveInteger('BENCH_FLAG_TOGGLES', 50);
    const prefix = `rampart-bench-flags-${randomBytes(4).toString('hex')}`;
    // One signing secret and Redis prefix for both API processes: one deployment of two instances.
    const apiEnv = {
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ...OFREP_RATE_LIMITS,
    };
    const failures: string[] = [];
    const contexts = benchContexts(settings.connections);
    const firstContext = contexts[0] ?? {};
    const db = new pg.Client({ connectionString: settings.databaseUrl });
    let connected = false;
    let adminEmail: string | undefined;
    let sdkKeyId: string | undefined;
    let a: ServerProcess | undefined;
    let b: ServerProcess | undefined;
    let writer: FlagSetWriter | undefined;
    let flagSetTouched = false;

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'flags');
      await db.connect();
      connected = true;
      const admin = await createBenchAdmin(settings, prefix, 'flags');
      adminEmail = admin.email;

      settings.log('flags: starting API processes A and B (dist/apps/api/src/main.js, limiter on, raised)');
      a = await startApi(settings, apiEnv);
      b = await startApi(settings, apiEnv);
      settings.log('flags: enrolling the bench admin in TOTP and signing in with a code');
      const token = await adminMfaToken(a, admin, settings, SDK_KEYS_PATH);
      writer = { api: a, token, version: 0 };

      settings.log('flags: writing the segment and the 20 flags');
      flagSetTouched = true;
      const flagSet = await setUpFlagSet(writer);
      const issued = await callApi(a, 'POST', SDK_KEYS_PATH, {
        token,
        body: { name: `bench flags ${prefix}`, kind: 'server' },
      });
      const sdkKey = expectAnswer(`POST ${SDK_KEYS_PATH}`, issued, 201, 'key');
      sdkKeyId = expectAnswer(`POST ${SDK_KEYS_PATH}`, issued, 201, 'id');
      await untilServed([a, b], sdkKey, flagSet.version);
      const checks = await checkOfrep(a, sdkKey, contexts);

      // --- load on A ---------------------------------------------------------------------------------
      const headers = ofrepHeaders(sdkKey);
      const bodies = contexts.map(contextBody);
      // LOAD_ROUNDS rounds of healthz, single, bulk, 304 in turn: a slower or faster spell of the
      // machine then weighs on every target alike, and the ratios use each target's mean.
      const rounds = { healthz: [], single: [], bulk: [], notModified: [] } as Record<
        'healthz' | 'single' | 'bulk' | 'notModified',
        TargetResult[]
      >;
      for (let round = 1; round <= LOAD_ROUNDS; round += 1) {
        const named = (result: TargetResult, name: string): TargetResult => ({
          ...result,
          name: `${name}, round ${round}`,
        });
        settings.log(`flags: load round ${round} of ${LOAD_ROUNDS}`);
        rounds.healthz.push(
          named(await measureServer(a, { path: HEALTHZ_PATH }, settings), `GET ${HEALTHZ_PATH}`),
        );
        rounds.single.push(
          named(
            await measureServer(
              a,
              { path: `${OFREP_PATH}/${SINGLE_FLAG_KEY}`, method: 'POST', headers, bodies },
              settings,
            ),
            `OFREP single ${SINGLE_FLAG_KEY}`,
          ),
        );
        rounds.bulk.push(
          named(
            await measureServer(a, { path: OFREP_PATH, method: 'POST', headers, bodies }, settings),
            `OFREP bulk (${checks.bulkFlags} flags)`,
          ),
        );
        const notModifiedRun = await measureServer(
          a,
          {
            path: OFREP_PATH,
            method: 'POST',
            headers: { ...headers, 'if-none-match': checks.etag },
            body: contextBody(firstContext),
          },
          settings,
        );
        const checked304 = notModifiedFailures(notModifiedRun);
        failures.push(...checked304.failures);
        // The table's non-2xx column shows, for this target, the answers that were not 304.
        rounds.notModified.push(
          named(
            { ...notModifiedRun, load: { ...notModifiedRun.load, non2xx: checked304.unexpected } },
            'OFREP bulk, If-None-Match (304)',
          ),
        );
      }
      const targets = [...rounds.healthz, ...rounds.single, ...rounds.bulk, ...rounds.notModified];
      for (const target of [...rounds.healthz, ...rounds.single, ...rounds.bulk])
        failures.push(...loadFailures(target));
      const healthz = summarizeRounds(rounds.healthz);
      const single = summarizeRounds(rounds.single);
      const bulk = summarizeRounds(rounds.bulk);
      const notModified = summarizeRounds(rounds.notModified);

      // --- propagation and rollback, A → B -----------------------------------------------------------
      settings.log(`flags: ${toggles} switches of ${TOGGLE_FLAG_KEY} on A, watched on B`);
      const toggleTimings = await toggleRun(writer, b, sdkKey, firstContext, toggles);
      failures.push(...missedChanges('propagation', toggleTimings));
      settings.log(`flags: ${ROLLBACKS} rollbacks (all off, then back) on A, watched on B`);
      const rollbacks = await rollbackRun(writer, b, sdkKey, firstContext);
      failures.push(...missedChanges('rollback all off', rollbacks.allOff));
      failures.push(...missedChanges('rollback restore', rollbacks.restore));
      for (const [name, server] of [
        ['A', a],
        ['B', b],
      ] as const) {
        if (!server.isRunning)
          failures.push(`API process ${name} exited during the run\n${server.outputText()}`);
      }

      // --- report ------------------------------------------------------------------------------------
      const rps = (target: RoundsSummary): number => target.meanRequestsPerSec;
      const ratios = {
        single: rps(single) / rps(healthz),
        bulk: rps(bulk) / rps(healthz),
        notModified: rps(notModified) / rps(healthz),
      };
      const cpuPerRequest = (target: RoundsSummary): number => target.cpuMicrosPerRequest;
      // The same ratio from the API's CPU per request, which other load on the machine skews far less:
      // what the req/s ratio comes to when the API has a core of its own and is bound by it.
      const cpuRatio = (target: RoundsSummary): number =>
        cpuPerRequest(target) > 0 ? cpuPerRequest(healthz) / cpuPerRequest(target) : 0;
      const ratioLine = (label: string, target: RoundsSummary, ratio: number, aim: number): string =>
        `${label} ÷ healthz = ${fixed(ratio, 3)} req/s (${fixed(rps(target), 0)} ÷ ${fixed(rps(healthz), 0)}); ` +
        `target >= ${aim}: ${passFail(ratio >= aim)} (by api CPU per request: ${fixed(cpuRatio(target), 3)}, ` +
        `${fixed(cpuPerRequest(healthz), 0)} ÷ ${fixed(cpuPerRequest(target), 0)} µs)`;
      const costTable = formatTable(
        ['target', 'req/s', 'api CPU µs/req', 'PostgreSQL+Redis CPU µs/req', '1 ÷ (req/s) µs'],
        targets.map((target) => [
          target.name,
          fixed(target.load.requestsPerSec, 0),
          fixed(microsPerRequest(target.serverCpuSec, target), 0),
          fixed(microsPerRequest(target.dataStoresCpuSec, target), 0),
          fixed(target.load.requestsPerSec > 0 ? 1e6 / target.load.requestsPerSec : 0, 0),
        ]),
      );

      const commit = spreadOf(toggleTimings.map((timing) => timing.commitMs));
      const fromAnswer = spreadOf(seen(toggleTimings, 'fromAnswerMs'));
      const fromStart = spreadOf(seen(toggleTimings, 'fromStartMs'));
      const spreadRow = (label: string, spread: Spread): string[] => [
        label,
        String(spread.count),
        fixed(spread.p50),
        fixed(spread.p90),
        fixed(spread.p99),
        fixed(spread.max),
      ];
      const propagationTable = formatTable(
        [`${toggles} switches on A, watched on B`, 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          spreadRow('commit: PUT .../enabled, request → answer', commit),
          spreadRow("A's answer → B serves the new value", fromAnswer),
          spreadRow('request start → B serves the new value', fromStart),
        ],
      );
      const offSpread = spreadOf(seen(rollbacks.allOff, 'fromStartMs'));
      const restoreSpread = spreadOf(seen(rollbacks.restore, 'fromStartMs'));
      const rollbackRow = (label: string, timings: ChangeTiming[], spread: Spread): string[] => [
        label,
        String(spread.count),
        fixed(spreadOf(timings.map((timing) => timing.commitMs)).p50),
        fixed(spread.p50),
        fixed(spread.max),
        `< ${ROLLBACK_TARGET_MS}: ${passFail(spread.count === timings.length && spread.max < ROLLBACK_TARGET_MS)}`,
      ];
      const rollbackTable = formatTable(
        [`${ROLLBACKS} rollbacks on A, watched on B`, 'n', 'commit p50 ms', 'p50 ms', 'max ms', 'target ms'],
        [
          rollbackRow('{allOff}: request start → B serves all off', rollbacks.allOff, offSpread),
          rollbackRow('{toVersion}: request start → B serves it', rollbacks.restore, restoreSpread),
        ],
      );
      const allTimings = [...toggleTimings, ...rollbacks.allOff, ...rollbacks.restore];
      const pollRoundTrip = spreadOf(allTimings.flatMap((timing) => timing.roundTrips));
      const pollErrors = allTimings.reduce((sum, timing) => sum + timing.pollErrors, 0);
      const early = toggleTimings.filter((timing) => timing.servedBeforeAnswer).length;

      const summary = [
        targetTable(targets),
        '',
        costTable,
        '',
        propagationTable,
        '',
        rollbackTable,
        '',
        `note: two API processes (A, B) with NODE_ENV=test, LOG_LEVEL=${API_LOG_LEVEL}, one database and Redis ` +
          `prefix; the load ran against A (B idle). OFREP limiter on, RATE_LIMIT_OFREP=` +
          `${OFREP_RATE_LIMITS.RATE_LIMIT_OFREP} (counted in Redis, never refused); /__healthz is exempt from ` +
          "rate limiting, so the OFREP ÷ healthz ratios include the limiter's Redis round trip.",
        `note: flag set at version ${flagSet.version}: ${BENCH_FLAGS.length} bench flags, ${flagSet.live} live ` +
          `flags in all, ${fixed(flagSet.bytes / 1024, 1)} KiB of flags as JSON (what a process loads per ` +
          `change). Bulk answers list ${checks.bulkFlags} flags` +
          (checks.otherLiveFlags > 0
            ? ` (${checks.otherLiveFlags} not the bench's: other live flags in the bench database)`
            : '') +
          '.',
        `note: one context of 6 attributes per connection (${contexts.length} users); ${SINGLE_FLAG_KEY} ` +
          `over them: ${tally(checks.singleReasons)} (variants ${tally(checks.singleVariants)}). The 304 ` +
          "target sends the first context with its answer's ETag; its non-2xx column counts answers other than 304.",
        `note: B polled every ${POLL_INTERVAL_MS} ms from the request start, a new connection per poll ` +
          `(round trip p50 ${fixed(pollRoundTrip.p50)} ms, p99 ${fixed(pollRoundTrip.p99)} ms, ` +
          `${pollErrors} errors): times are to the first answer showing the change, so up to one poll ` +
          `late. ${early} of ${toggleTimings.length} switches were already served by B before A's answer ` +
          `arrived (counted as 0 from the answer). With ${toggles} samples p99 is the ` +
          `${Math.ceil(0.99 * toggles)}th of ${toggles}.`,
        `note: every version this run wrote stays in the bench database (the flag set is append-only); the ` +
          'bench flags are archived and their segment deleted at the end.',
        ...cpuLines(targets),
        ratioLine('OFREP single', single, ratios.single, RATIO_TARGETS.single),
        ratioLine('OFREP bulk', bulk, ratios.bulk, RATIO_TARGETS.bulk),
        ratioLine('OFREP bulk 304', notModified, ratios.notModified, RATIO_TARGETS.notModified),
        `propagation A → B: p50 ${fixed(fromAnswer.p50)} ms, p99 ${fixed(fromAnswer.p99)} ms, max ` +
          `${fixed(fromAnswer.max)} ms from A's answer; p50 ${fixed(fromStart.p50)} ms, p99 ` +
          `${fixed(fromStart.p99)} ms, max ${fixed(fromStart.max)} ms from the request start`,
        `rollback recovery: all off p50 ${fixed(offSpread.p50)} ms, max ${fixed(offSpread.max)} ms; restore ` +
          `p50 ${fixed(restoreSpread.p50)} ms, max ${fixed(restoreSpread.max)} ms (target < ` +
          `${ROLLBACK_TARGET_MS} ms: ${passFail(offSpread.max < ROLLBACK_TARGET_MS && restoreSpread.max < ROLLBACK_TARGET_MS)})`,
      ];
      const extra: Record<string, number | string> = {
        healthzRequestsPerSec: rps(healthz),
        singleRequestsPerSec: rps(single),
        bulkRequestsPerSec: rps(bulk),
        notModifiedRequestsPerSec: rps(notModified),
        singleToHealthzRatio: ratios.single,
        bulkToHealthzRatio: ratios.bulk,
        notModifiedToHealthzRatio: ratios.notModified,
        healthzCpuMicrosPerRequest: cpuPerRequest(healthz),
        singleCpuMicrosPerRequest: cpuPerRequest(single),
        bulkCpuMicrosPerRequest: cpuPerRequest(bulk),
        notModifiedCpuMicrosPerRequest: cpuPerRequest(notModified),
        bulkFlags: checks.bulkFlags,
        flagSetVersion: flagSet.version,
        flagSetBytes: flagSet.bytes,
        toggles,
        toggleCommitP50Ms: commit.p50,
        propagationFromAnswerP50Ms: fromAnswer.p50,
        propagationFromAnswerP99Ms: fromAnswer.p99,
        propagationFromAnswerMaxMs: fromAnswer.max,
        propagationFromStartP50Ms: fromStart.p50,
        propagationFromStartP99Ms: fromStart.p99,
        propagationFromStartMaxMs: fromStart.max,
        rollbackAllOffP50Ms: offSpread.p50,
        rollbackAllOffMaxMs: offSpread.max,
        rollbackRestoreP50Ms: restoreSpread.p50,
        rollbackRestoreMaxMs: restoreSpread.max,
        pollRoundTripP50Ms: pollRoundTrip.p50,
      };
      return {
        scenario: flagsScenario.name,
        description: flagsScenario.description,
        setup:
          `HTTP ${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.warmupSec} s ` +
          `warm-up (discarded) + ${settings.durationSec} s measured per target on A; ${toggles} switches and ` +
          `${ROLLBACKS} rollbacks on A watched on B`,
        targets,
        summary,
        failures,
        extra,
      };
    } finally {
      if (writer && flagSetTouched && a?.isRunning) {
        try {
          await retireFlagSet(writer);
        } catch (error) {
          settings.log(
            `flags: archiving the bench flags failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      // Stopped before the rows go: each process writes its SDK keys' last use as it stops.
      await a?.stop();
      await b?.stop();
      const keyId = sdkKeyId;
      await cleanUpBenchAccounts(settings, 'flags', {
        db: connected ? db : undefined,
        emails: adminEmail ? [adminEmail] : [],
        redisKeyPrefix: prefix,
        ...(keyId
          ? {
              deleteMore: async (client: pg.Client) => ({
                sdk_keys: (await client.query('DELETE FROM sdk_keys WHERE id = $1', [keyId])).rowCount ?? 0,
              }),
            }
          : {}),
      });
    }
  },
};
