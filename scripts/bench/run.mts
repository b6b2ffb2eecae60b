// Benchmarks of Rampart's build (dist/), each scenario against servers in their own child processes,
// with the load generated in this process. So far:
//
//   healthz   GET /__healthz of the real API (dist/apps/api/src/main.js) next to a NestJS hello world
//             (scripts/bench/nest-hello.mts: one controller on Nest's Fastify adapter, nothing else) and a
//             bare Fastify 5 server, all answering the same JSON, all running, loaded in turn api, nest,
//             bare, api, nest, bare with autocannon (the second round on fresh processes of all three);
//             prints req/s, latency p50/p90/p95/p99, errors, RSS
//             after warm-up and after the run, CPU, and the ratios of the mean rates: api ÷ bare (the
//             framework's overhead, the target), nest ÷ bare (Nest's own share of it) and api ÷ nest
//             (the API's own pipeline). Per round: 50 connections, pipelining 1, a 3 s warm-up that is
//             discarded, then BENCH_DURATION seconds; about 95 s with the defaults. Prints api ÷ bare
//             >= 0.5 and the API's RSS after its last round < 200 MiB as PASS/FAIL without failing the
//             run.
//
//   email     Mail through the transactional outbox: the API's EmailOutbox.send (the compiled API
//             application, initialised in this process without HTTP) commits outbox rows and enqueues
//             their jobs; the real worker (dist/apps/worker/src/main.js) sends them to an SMTP sink in this
//             process. Migrates BENCH_DATABASE_URL first (scripts/db.mts migrate), uses a Redis key prefix
//             of its own. After a 50-mail warm-up: 100 single mails ~20 ms apart (unloaded latency, checked
//             against the SLO: p95 < 1 s aimed, < 30 s in the seed), then BENCH_EMAIL_COUNT mails in
//             outbox.send calls of 100 issued back to back (mails/s end to end and for the producer,
//             latency under load). Latency = SMTP accept - resolve of the mail's outbox.send call, p50/p95/
//             p99/max; worker RSS and CPU. Every Message-ID must be accepted exactly once and every row
//             marked sent. Deletes its outbox rows and Redis keys afterwards. About 15 s with the defaults.
//
//   auth      Sign-in and the authenticated hot path of the real API. First the raw argon2id rate in this
//             process (the API's parameters, m=19456 KiB t=2 p=1; verifications one and two at a time,
//             5 s each), then, with the API started: POST /v1/auth/login over 8 connections, each signing
//             in its own bench user with the right password (req/s, p50/p95/p99, and req/s as a ratio to
//             the raw argon2 rate two at a time), the same over 2 connections (one per core: the p95
//             target) and over 1 connection (latency without queueing),
//             and GET /v1/auth/me with one access token over 64 connections, then the same token and
//             connections against the naive authenticated floor (scripts/bench/naive-floor.mts, its own
//             child process: bare Fastify 5, jose HS256 verification with the API's secret, issuer and
//             audience, one Redis MGET per request, the API's /me body as a fixed text); 3 s warm-up +
//             BENCH_DURATION seconds per target, RSS and CPU as in healthz.
//             Migrates BENCH_DATABASE_URL first; makes its users (bench-<random>@example.test) with the
//             tests' factories through the compiled API application in this process and deletes them
//             afterwards with their sessions, login attempts and throttles, and the API's Redis keys.
//             Prints the targets (login ÷ argon2 >= 0.85, login p95 < 150 ms at 2 connections, /me >= 5,000
//             req/s, Rampart /me ÷ naive floor >= 1.0, /me p99 < 30 ms, API RSS < 200 MiB) as PASS/FAIL
//             without failing the run. About 85 s with the defaults.
//
//   access    Authorization, rate limiting and the audit log. A bench admin (bench-access-<random>@example.test,
//             made like the auth scenario's users) enrols TOTP through the API and signs in with a code; with its MFA
//             access token, over 64 connections: GET /v1/auth/me against an API whose limiter is on but
//             raised (RATE_LIMIT_API=1000000/60, RATE_LIMIT_LOGIN=1000/60) and against a second API process
//             beside it with RATE_LIMIT_ENABLED=false, interleaved on, off, … (four rounds each, both
//             processes replaced by fresh ones after the second: two processes of one build differ by
//             several percent, so neither side should rest on one process); then GET
//             /v1/admin/users?page=1&page_size=20 (users:read: admin + MFA) on the first; 3 s warm-up +
//             BENCH_DURATION seconds per target, RSS and CPU as in healthz, plus server CPU per request.
//             Prints admin ÷ /me (cost of authorization and the admin route) and /me limiter on ÷ off (cost
//             of rate limiting, mean req/s of the rounds; >= 0.90 as PASS/FAIL). Then AuditLogRepository.append from
//             the compiled API application in this process, BENCH_AUDIT_COUNT appends at concurrency 1, 8
//             and 32 (appends/s, p50/p95/p99; serialised by an advisory lock, so it scales little), and
//             verify() over the whole chain (entries, time). Deletes the admin (sessions cascade), its login
//             attempts and throttles, and the Redis keys; the audit entries stay (the log is append-only).
//             About 150 s with the defaults (up to 8 s more when the TOTP step is about to end).
//
//   flags     Feature flags over OFREP and their propagation between two API processes (A and B: one
//             database, one Redis key prefix, the OFREP limiter on but raised to RATE_LIMIT_OFREP=1000000/1).
//             A bench admin with an MFA session (made as in access) writes 20 flags of fixed keys
//             (bench-flags-*, scripts/bench/flag-set.mts: boolean, string and number flags with `in`,
//             `starts_with`, numeric, semver and date conditions, a segment, rollouts, weighted splits and
//             prerequisites) and issues a server SDK key. Load on A, as healthz (50 connections, 3 s warm-up
//             + BENCH_DURATION seconds per target): GET /__healthz (the baseline), POST /ofrep/v1/evaluate/
//             flags/bench-flags-checkout-flow (single, one 6-attribute context per connection), POST
//             /ofrep/v1/evaluate/flags (bulk, the 20 flags) and bulk with If-None-Match = its ETag (304),
//             in two rounds of the four; req/s, latency, RSS and CPU, CPU per request, and single, bulk
//             and 304 ÷ healthz req/s (the means of the rounds) against
//             the targets (>= 0.8, >= 0.6, >= 0.9) as PASS/FAIL without failing the run. Then
//             BENCH_FLAG_TOGGLES switches of one flag on A (PUT .../enabled with If-Match), each timed until
//             B's OFREP answer shows the new value (B polled every 2 ms from the request start): p50/p90/
//             p99/max from A's answer and from the request start; and 10 rollbacks on A ({allOff}, then
//             {toVersion}), each timed from the request start until B serves every flag off, resp. the
//             restored values: p50/max against the < 2 s target as PASS/FAIL. At the end the flags are
//             archived and their segment deleted; the admin, the SDK key and the Redis keys are deleted.
//             Flag-set versions stay (append-only), about 25 + BENCH_FLAG_TOGGLES + 20 per run. About 70 s
//             with the defaults (up to 8 s more when the TOTP step is about to end).
//
//   metrics   The cost of the Prometheus metrics: two API processes at once, METRICS_ENABLED=true and
//             false (same JWT_SECRET and Redis key prefix, the limiter on but raised as in auth), one bench
//             user made as in auth and signed in once. GET /__healthz (50 connections) and GET /v1/auth/me
//             with its access token (64 connections) on each, interleaved on, off, … per route (four
//             rounds per side, each a 3 s warm-up + BENCH_DURATION seconds, both processes replaced by
//             fresh ones after the second round of each route, as in access): the table of every round
//             as in healthz, then per process and route mean req/s, p50/p99 (mean of the rounds'), CPU per
//             request, and on ÷ off req/s per route against the target (>= 0.95) as PASS/FAIL without
//             failing the run. While the metrics-on process is under load, a separate client scrapes its
//             /metrics once a second (a new connection each): latency p50/max, exposition size in bytes.
//             Deletes the user with its sessions, login attempts and throttles, and the Redis keys.
//             About 250 s with the defaults.
//
//   rollouts  Rollback times of canary rollouts: two API processes (A, B: one database and Redis key prefix)
//             and the worker (dist/apps/worker/src/main.js, ROLLOUT_EVALUATION_INTERVAL_MS as the environment
//             has it, the default 10000 unless set; printed), its mail to an SMTP sink in this process. A bench
//             admin made as in flags issues a server SDK key. Manual: BENCH_ROLLOUT_ABORTS rollouts of the flag
//             bench-rollouts-manual started at stage 1 (50 %), each aborted on A with an incident report, timed
//             from the request start until B's OFREP answer for a user that stage served the target shows the
//             control (B polled every 2 ms): min/p50/p95/max against the < 2 s target as PASS/FAIL. Automatic:
//             BENCH_ROLLOUT_BREACHES rollouts of bench-rollouts-automatic with `exceptions` and `error_rate`
//             guardrails while a guarded service posts healthy telemetry every second (POST
//             /v1/telemetry/batches); one batch reports an uncaught exception (T0: its 202), timed until B serves
//             the control, broken down into waiting for the 10-s bucket to close, the worker's evaluation, its
//             `rolled_back` decision row and propagation to B: min/p50/max against the < 15 s aim as PASS/FAIL,
//             with the bound (bucket + interval + propagation). Archives the two flags; deletes the run's
//             rollouts, their incidents and rollback mails, the admin, the SDK key and the Redis keys. About
//             2 minutes with the defaults (each automatic rollback waits up to a bucket and an interval).
//
// Needs PostgreSQL and Redis answering on 127.0.0.1 (the servers check their ports at startup); all
// traffic stays on 127.0.0.1.
//
//   npm run bench                                   (builds first; Node 24 must be first on PATH)
//   node scripts/bench/run.mts                      (uses the existing dist/)
//
// Environment:
//   BENCH_DURATION=10         seconds of each measured HTTP run (healthz, auth, access, flags, metrics)
//   BENCH_EMAIL_COUNT=2000    mails of the email throughput run
//   BENCH_EMAIL_CONCURRENCY=8 the worker's WORKER_EMAIL_CONCURRENCY (and SMTP pool size) in the email run
//   BENCH_AUDIT_COUNT=2000    audit appends per concurrency in the access run
//   BENCH_FLAG_TOGGLES=50     flag switches timed from process A to process B in the flags run
//   BENCH_ROLLOUT_ABORTS=10   manual rollbacks (aborts) timed in the rollouts run
//   BENCH_ROLLOUT_BREACHES=5  automatic rollbacks (reported exceptions) timed in the rollouts run, up to ~20 s each
//   BENCH_SCENARIOS=healthz   comma-separated scenarios to run (default: all)
//   BENCH_JSON=1              also print the results as one JSON line at the end
//   BENCH_DATABASE_URL        DATABASE_URL of the servers (default postgresql://postgres@127.0.0.1:5432/rampart_bench)
//   BENCH_REDIS_URL           REDIS_URL of the servers (default redis://127.0.0.1:6379)
//   BENCH_DEBUG=1             print stack traces of failures
//   BENCH_PROFILE=1           run every API process of a scenario (the ones it starts as child processes,
//                             not the in-process application nor the worker) under node --cpu-prof; after the
//                             scenario print the top 15 functions and top 10 packages (node_modules package,
//                             node:internal, rampart for dist/) by self time, as shares of the busy time,
//                             with (idle), (program) and (garbage collector) apart (scripts/bench/cpu-profile.mts).
//                             Every profile of every process is added together (healthz's one API, access's two,
//                             ...). The .cpuprofile files stay in <tmpdir>/rampart-bench-profile-XXXXXX/<scenario>/
//                             (the path is printed) for Chrome DevTools or speedscope; delete them yourself.
//                             Profiling slows the API, so its figures are not comparable with a run without it.
//
// The run ends with every PASS/FAIL line of every scenario together, under "targets".
//
// Exits 1 when a scenario fails: a server does not start; healthz: any request error, timeout or non-2xx;
// email: a mail missing or accepted twice (120 s limit), an outbox row not marked sent, or an unloaded
// p95 over the seed SLO of 30 s (over the 1 s aim prints FAIL on the SLO line but does not fail the run);
// auth: a bench sign-in or /me check (of the API or the naive floor) that does not answer as expected, or any request error, timeout or
// non-2xx under load; access: the admin's sign-in with MFA or a route check that does not answer as
// expected (including the admin route refusing a password-only session with 403 mfa_required), any
// request error, timeout or non-2xx under load, a failed audit append, or verify() finding the chain broken;
// flags: a setup step or an OFREP check that does not answer as expected (including bulk with its ETag
// not answering 304), any request error, timeout or non-2xx under load (any answer but 304 for the 304
// target), or a switch or rollback that process B does not serve within 5 s; metrics: the sign-in or a
// route check that does not answer as expected (including GET /metrics answering anything but 404 with
// metrics off, or the last scrape not counting both loaded routes), any request error, timeout or
// non-2xx under load, or a scrape that fails or answers anything but 200; rollouts: a setup step that
// does not answer as expected, a telemetry batch refused, an abort whose control process B does not serve
// within 5 s, or a reported exception whose control B does not serve within a bucket + two intervals + 10 s.
// To add a benchmark, write scripts/bench/scenarios/<name>.mts exporting a Scenario and list it below.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatProfileSummary, summarizeProfiles, type CpuProfile } from './cpu-profile.mts';
import {
  installCleanupHandlers,
  stopAllServers,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
} from './lib.mts';
import { accessScenario } from './scenarios/access.mts';
import { authScenario } from './scenarios/auth.mts';
import { emailScenario } from './scenarios/email.mts';
import { flagsScenario } from './scenarios/flags.mts';
import { healthzScenario } from './scenarios/healthz.mts';
import { metricsScenario } from './scenarios/metrics.mts';
import { rolloutsScenario } from './scenarios/rollouts.mts';

const SCENARIOS: Scenario[] = [
  healthzScenario,
  emailScenario,
  authScenario,
  accessScenario,
  flagsScenario,
  metricsScenario,
  rolloutsScenario,
];

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/rampart_bench';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number of seconds, got "${raw}"`);
  return value;
}

function selectScenarios(): Scenario[] {
  const wanted = (process.env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (wanted.length === 0) return SCENARIOS;
  return wanted.map((name) => {
    const scenario = SCENARIOS.find((candidate) => candidate.name === name);
    if (!scenario) {
      throw new Error(
        `unknown scenario "${name}" in BENCH_SCENARIOS (known: ${SCENARIOS.map((s) => s.name).join(', ')})`,
      );
    }
    return scenario;
  });
}

/** 1-minute load average when the run started: other work on the machine skews every number. */
const LOAD_AT_START = os.loadavg()[0] ?? 0;

/** The CPU profiles the API processes of a scenario left in `dir`, summarised for the report. */
async function profileLines(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length === 0) return [`CPU profile: no .cpuprofile in ${dir} (did the API exit cleanly?)`];
  const profiles = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile),
  );
  return [`CPU profiles in ${dir}`, ...formatProfileSummary(summarizeProfiles(profiles))];
}

function printReport(report: ScenarioReport, settings: BenchSettings): void {
  const title = `${report.scenario}: ${report.description}`;
  console.log(`\n${title}\n${'='.repeat(title.length)}`);
  const setup =
    report.setup ??
    `${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `${settings.warmupSec} s warm-up (discarded) + ${settings.durationSec} s measured per target`;
  console.log(
    `${setup}, Node ${process.version}, ${os.availableParallelism()} CPUs, ` +
      `load average ${LOAD_AT_START.toFixed(2)} at start\n`,
  );
  for (const line of report.summary) console.log(line);
  for (const failure of report.failures) console.log(`FAILED: ${failure}`);
}

async function main(): Promise<number> {
  installCleanupHandlers(log);
  const settings: BenchSettings = {
    root: ROOT,
    durationSec: positiveNumber('BENCH_DURATION', 10),
    warmupSec: 3,
    connections: 50,
    pipelining: 1,
    databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
    redisUrl: process.env.BENCH_REDIS_URL || DEFAULT_REDIS_URL,
    log,
  };
  const scenarios = selectScenarios();
  if (!existsSync(path.join(ROOT, 'dist/apps/api/src/main.js'))) {
    throw new Error('dist/apps/api/src/main.js is missing: run `npm run build` (or `npm run bench`)');
  }

  const profileRoot =
    process.env.BENCH_PROFILE === '1'
      ? await mkdtemp(path.join(os.tmpdir(), 'rampart-bench-profile-'))
      : undefined;
  const reports: ScenarioReport[] = [];
  for (const scenario of scenarios) {
    log(`scenario ${scenario.name}`);
    const profileDir = profileRoot && path.join(profileRoot, scenario.name);
    if (profileDir) await mkdir(profileDir);
    const report = await scenario.run({ ...settings, profileDir });
    reports.push(report);
    printReport(report, settings);
    if (profileDir) console.log(`\n${(await profileLines(profileDir)).join('\n')}`);
  }

  // Every target the scenarios checked, in one place: each line of their summaries with a verdict.
  const verdicts = [
    ...new Set(
      reports.flatMap((report) =>
        report.summary
          .flatMap((entry) => entry.split('\n'))
          .filter((line) => /\b(PASS|FAIL)\b/.test(line))
          .map((line) => `${report.scenario}: ${line.replace(/^target check: /, '').trim()}`),
      ),
    ),
  ];
  if (verdicts.length > 0) {
    const title = 'targets (PASS/FAIL of every scenario above)';
    console.log(`\n${title}\n${'='.repeat(title.length)}\n${verdicts.join('\n')}`);
  }

  if (process.env.BENCH_JSON === '1') {
    console.log(
      JSON.stringify({
        node: process.version,
        connections: settings.connections,
        pipelining: settings.pipelining,
        warmupSec: settings.warmupSec,
        durationSec: settings.durationSec,
        scenarios: reports.map(({ scenario, targets, failures, extra }) => ({
          scenario,
          targets,
          failures,
          extra,
        })),
      }),
    );
  }
  return reports.some((report) => report.failures.length > 0) ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  const detail = error instanceof Error ? error.message : String(error);
  log(
    `failed: ${process.env.BENCH_DEBUG === '1' && error instanceof Error ? (error.stack ?? detail) : detail}`,
  );
  process.exitCode = 1;
} finally {
  await stopAllServers();
}
