// Authorization, rate limiting and the audit log of the real API (dist/):
//   me on      GET /v1/auth/me over 64 connections with an admin's MFA access token (permission
//              self:read), the rate limiter on (tier `api` raised to 1,000,000/60 so it counts every
//              request in Redis but refuses none)
//   admin on   GET /v1/admin/users?page=1&page_size=20 with the same token (permission users:read: role
//              admin and a session that passed MFA), the limiter on as above
//   me off     GET /v1/auth/me again, against a second API process with RATE_LIMIT_ENABLED=false (same
//              JWT_SECRET and Redis key prefix, so the same token and cached state work), running beside
//              the first; /me runs on, off, on, off (LIMITER_ROUNDS rounds per side, each a discarded
//              warm-up and a measured run), so a slow spell of the machine does not land on one side only;
//              halfway both processes are replaced by fresh ones, so neither side rests on one process's
//              luck (two processes of one build differ by several percent)
//   audit      AuditLogRepository.append (the compiled API application, initialised in this process
//              without HTTP) BENCH_AUDIT_COUNT times at concurrency 1, 8 and 32 (a promise pool), then
//              AuditLogRepository.verify() over the whole chain, which must be valid
// Prints admin ÷ /me (the cost of authorization and of the admin route) and /me limiter on ÷ off (the
// cost of rate limiting) as req/s ratios, with server CPU per request. The admin user
// (bench-access-<random>@example.test) is made by the tests' factories through the build's repositories,
// enrols TOTP through the API
// and signs in with a code; it is deleted afterwards (sessions, MFA state cascade) with its login attempts
// and throttles, as are the Redis keys of the run's prefix. Audit entries cannot be deleted (append-only by
// a trigger): they stay in the bench database. Any request error, timeout or non-2xx, a failed append, or
// a broken chain fails the scenario.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type BenchAdmin, adminMfaToken, callApi, expectAnswer } from '../admin-session.mts';
import {
  DATA_STORE_COMMANDS,
  cpuLines,
  cpuSecondsBetween,
  fixed,
  formatTable,
  loadFailures,
  measureServer,
  microsPerRequest,
  percentile,
  positiveInteger,
  readCpuTicksByPid,
  targetCheck,
  targetTable,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type TargetResult,
  summarizeRounds,
} from '../lib.mts';
import {
  API_LOG_LEVEL,
  cleanUpBenchAccounts,
  createBenchAdmin,
  migrateDatabase,
  requireDist,
  startApi,
  startApiInProcess,
  type ClassToken,
  type NestApp,
} from '../servers.mts';

const CONNECTIONS = 64;
const ME_PATH = '/v1/auth/me';
const ADMIN_PATH = '/v1/admin/users?page=1&page_size=20';
/** The limiter stays on (its Redis round trip is measured) but never refuses at these rates. */
const RATE_LIMIT_ENV = { RATE_LIMIT_API: '1000000/60', RATE_LIMIT_LOGIN: '1000/60' };
const AUDIT_CONCURRENCY = [1, 8, 32];
/** The issue's aim: the rate limiter costs under 10 % of /me's rate. */
const AIM_LIMITER_ON_TO_OFF = 0.9;
/**
 * /me rounds per side, interleaved on, off, on, off, …, the second half on a fresh pair of processes.
 * A round's rate varies by 10–15 % on this machine, and a 10 % target needs more than the mean of two
 * to tell a cost from a slow spell.
 */
const LIMITER_ROUNDS = 4;
const AUDIT_WARMUP = 50;
/** The in-process application's PostgreSQL pool (DATABASE_POOL_MAX; the API's default). */
const AUDIT_POOL_MAX = 10;

// ---------------------------------------------------------------------------------------------------------
// The compiled API modules (CommonJS in dist/), seen through the little this scenario uses of them.

interface NewAuditEntry {
  actor: string;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
}

interface AuditVerification {
  valid: boolean;
  checked: number;
  firstBroken: { seq: string; id: string; reason: 'hash' | 'link' } | null;
}

interface AuditLogRepository {
  append(entry: NewAuditEntry): Promise<unknown>;
  verify(): Promise<AuditVerification>;
}

interface DbModule {
  AuditLogRepository: ClassToken<AuditLogRepository>;
}

/** The API's Nest application without HTTP (init, no listen) and its AuditLogRepository. */
async function createAuditApp(
  settings: BenchSettings,
  redisKeyPrefix: string,
): Promise<{ app: NestApp; audit: AuditLogRepository }> {
  const app = await startApiInProcess(settings, redisKeyPrefix, {
    DATABASE_POOL_MAX: String(AUDIT_POOL_MAX),
  });
  const { AuditLogRepository } = requireDist<DbModule>(settings, 'libs/db/src/index.js');
  return { app, audit: app.get(AuditLogRepository) };
}

// ---------------------------------------------------------------------------------------------------------
// Route checks

/**
 * /me answers the admin, the admin route answers a page of users, and the rate-limit headers are there
 * (limiter on) or not (off). Returns the RateLimit-Policy header seen, '' when none.
 */
async function checkRoutes(
  api: ServerProcess,
  token: string,
  admin: BenchAdmin,
  limiterOn: boolean,
  withAdminRoute: boolean,
): Promise<string> {
  const me = await callApi(api, 'GET', ME_PATH, { token });
  expectAnswer(`GET ${ME_PATH}`, me, 200);
  if (me.body.email !== admin.email || me.body.role !== 'admin') {
    throw new Error(`GET ${ME_PATH} answered another account: ${me.text.slice(0, 300)}`);
  }
  const policy = me.headers['ratelimit-policy'];
  const policyText = Array.isArray(policy) ? policy.join(', ') : (policy ?? '');
  if (limiterOn !== (policyText !== '')) {
    throw new Error(
      `GET ${ME_PATH} ${limiterOn ? 'has no' : 'has a'} RateLimit-Policy header with the limiter ` +
        `${limiterOn ? 'on' : 'off'} (${policyText || 'none'})`,
    );
  }
  if (withAdminRoute) {
    const page = await callApi(api, 'GET', ADMIN_PATH, { token });
    expectAnswer(`GET ${ADMIN_PATH}`, page, 200);
    if (!Array.isArray(page.body.items) || typeof page.body.total !== 'number' || page.body.total < 1) {
      throw new Error(`GET ${ADMIN_PATH} answered an unexpected shape: ${page.text.slice(0, 300)}`);
    }
  }
  return policyText;
}

// ---------------------------------------------------------------------------------------------------------
// Audit appends

interface AppendRun {
  concurrency: number;
  appends: number;
  errors: number;
  firstError: string;
  wallSec: number;
  perSec: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** CPU seconds this process (the application) used. */
  benchCpuSec: number;
  /** CPU seconds the local PostgreSQL and Redis processes used. */
  dataStoresCpuSec: number;
}

const AUDIT_ENTRY: NewAuditEntry = { actor: 'system:bench', action: 'bench.append', outcome: 'success' };

/** `count` appends, `concurrency` in flight at a time; latency = call to resolve of each append. */
async function appendRun(audit: AuditLogRepository, count: number, concurrency: number): Promise<AppendRun> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError = '';
  const cpuBefore = process.cpuUsage();
  const dataStoresBefore = await readCpuTicksByPid(DATA_STORE_COMMANDS);
  const startedAt = performance.now();
  const lane = async (): Promise<void> => {
    while (issued < count) {
      issued += 1;
      const before = performance.now();
      try {
        await audit.append(AUDIT_ENTRY);
        latencies.push(performance.now() - before);
      } catch (error) {
        errors += 1;
        if (!firstError) firstError = error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const wallSec = (performance.now() - startedAt) / 1000;
  const dataStoresCpuSec = cpuSecondsBetween(dataStoresBefore, await readCpuTicksByPid(DATA_STORE_COMMANDS));
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  return {
    concurrency,
    appends: latencies.length,
    errors,
    firstError,
    wallSec,
    perSec: latencies.length / wallSec,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
    benchCpuSec: (cpu.user + cpu.system) / 1e6,
    dataStoresCpuSec,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

export const accessScenario: Scenario = {
  name: 'access',
  description: `GET ${ADMIN_PATH} (admin + MFA) vs GET ${ME_PATH}, limiter on/off, and audit appends/s`,
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const auditCount = positiveInteger('BENCH_AUDIT_COUNT', 2000);
    const prefix = `rampart-bench-access-${randomBytes(4).toString('hex')}`;
    // One signing secret for both API processes, so the limiter-off one accepts the same token.
    const jwtSecret = randomBytes(32).toString('base64url');
    const apiEnv = { REDIS_KEY_PREFIX: prefix, JWT_SECRET: jwtSecret };
    const failures: string[] = [];
    const targets: TargetResult[] = [];
    const db = new pg.Client({ connectionString: settings.databaseUrl });
    const http = { ...settings, connections: CONNECTIONS };
    let api: ServerProcess | undefined;
    let apiOff: ServerProcess | undefined;
    let app: NestApp | undefined;
    let connected = false;
    let adminEmail: string | undefined;

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'access');
      await db.connect();
      connected = true;
      const admin = await createBenchAdmin(settings, prefix, 'access');
      adminEmail = admin.email;

      // --- limiter on: /me and the admin route -------------------------------------------------------
      settings.log('access: starting dist/apps/api/src/main.js (rate limiter on, api tier 1000000/60)');
      api = await startApi(settings, { ...apiEnv, ...RATE_LIMIT_ENV });
      settings.log('access: enrolling the bench admin in TOTP and signing in with a code');
      const token = await adminMfaToken(api, admin, settings, ADMIN_PATH);
      const policyOn = await checkRoutes(api, token, admin, true, true);
      const auth = { authorization: `Bearer ${token}` };

      // --- limiter off: a second process beside the first ----------------------------------------------
      settings.log('access: starting a second API process with RATE_LIMIT_ENABLED=false');
      apiOff = await startApi(settings, { ...apiEnv, RATE_LIMIT_ENABLED: 'false' });
      await checkRoutes(apiOff, token, admin, false, false);

      // --- /me on, off, on, off, then the admin route --------------------------------------------------
      const meOnRounds: TargetResult[] = [];
      const meOffRounds: TargetResult[] = [];
      for (let round = 1; round <= LIMITER_ROUNDS; round += 1) {
        if (round === LIMITER_ROUNDS / 2 + 1) {
          settings.log('access: replacing both API processes with fresh ones for the second half');
          await api.stop();
          await apiOff.stop();
          api = await startApi(settings, { ...apiEnv, ...RATE_LIMIT_ENV });
          apiOff = await startApi(settings, { ...apiEnv, RATE_LIMIT_ENABLED: 'false' });
          await checkRoutes(api, token, admin, true, true);
          await checkRoutes(apiOff, token, admin, false, false);
        }
        for (const [server, label, rounds] of [
          [api, 'on', meOnRounds],
          [apiOff, 'off', meOffRounds],
        ] as const) {
          settings.log(`access: /me, limiter ${label}, round ${round} of ${LIMITER_ROUNDS}`);
          const target: TargetResult = {
            ...(await measureServer(server, { path: ME_PATH, headers: auth }, http)),
            name: `GET ${ME_PATH}, limiter ${label}, round ${round}`,
          };
          rounds.push(target);
          targets.push(target);
        }
      }
      const adminOn: TargetResult = {
        ...(await measureServer(api, { path: ADMIN_PATH, headers: auth }, http)),
        name: 'GET /v1/admin/users, limiter on',
      };
      targets.push(adminOn);
      if (!api.isRunning) failures.push(`the API (limiter on) exited during the run\n${api.outputText()}`);
      if (!apiOff.isRunning) {
        failures.push(`the API (limiter off) exited during the run\n${apiOff.outputText()}`);
      }
      await api.stop();
      await apiOff.stop();
      for (const target of targets) failures.push(...loadFailures(target));
      const usersListed = (await db.query<{ count: number }>('SELECT count(*)::int AS count FROM users'))
        .rows[0]?.count;

      // --- audit appends ---------------------------------------------------------------------------------
      settings.log('access: starting the API application in this process (AuditLogRepository)');
      const created = await createAuditApp(settings, prefix);
      app = created.app;
      const { audit } = created;
      settings.log(`access: audit warm-up, ${AUDIT_WARMUP} appends (discarded)`);
      const warmup = await appendRun(audit, AUDIT_WARMUP, 1);
      const runs: AppendRun[] = [];
      for (const concurrency of AUDIT_CONCURRENCY) {
        settings.log(`access: ${auditCount} audit appends, ${concurrency} at a time`);
        runs.push(await appendRun(audit, auditCount, concurrency));
      }
      for (const run of [warmup, ...runs]) {
        if (run.errors > 0) {
          failures.push(
            `audit appends ${run.concurrency} at a time: ${run.errors} failed (first: ${run.firstError})`,
          );
        }
      }
      settings.log('access: verifying the audit chain');
      const verifyStart = performance.now();
      const verification = await audit.verify();
      const verifyMs = performance.now() - verifyStart;
      if (!verification.valid) {
        failures.push(
          `audit chain broken after ${verification.checked} entries: ${JSON.stringify(verification.firstBroken)}`,
        );
      }

      // --- report -----------------------------------------------------------------------------------------
      const meOn = summarizeRounds(meOnRounds);
      const meOff = summarizeRounds(meOffRounds);
      const authorizationRatio = adminOn.load.requestsPerSec / meOn.meanRequestsPerSec;
      const limiterRatio = meOn.meanRequestsPerSec / meOff.meanRequestsPerSec;
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
      const first = runs[0];
      const auditTable = formatTable(
        [
          'audit append',
          'appends',
          'wall s',
          'appends/s',
          'x 1 at a time',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'errors',
          'bench CPU',
          'PostgreSQL+Redis CPU',
        ],
        runs.map((run) => [
          `${run.concurrency} at a time`,
          String(run.appends),
          fixed(run.wallSec),
          fixed(run.perSec, 0),
          first && first.perSec > 0 ? fixed(run.perSec / first.perSec) : '-',
          fixed(run.p50),
          fixed(run.p95),
          fixed(run.p99),
          fixed(run.max),
          String(run.errors),
          `${fixed((run.benchCpuSec / run.wallSec) * 100, 0)}%`,
          `${fixed((run.dataStoresCpuSec / run.wallSec) * 100, 0)}%`,
        ]),
      );
      const meCpu = meOn.cpuMicrosPerRequest;
      const meOffCpu = meOff.cpuMicrosPerRequest;
      const adminCpu = microsPerRequest(adminOn.serverCpuSec, adminOn);
      const summary = [
        targetTable(targets),
        '',
        costTable,
        '',
        auditTable,
        '',
        `note: one admin user whose session passed TOTP MFA (amr includes mfa), one access token for every ` +
          `connection of every target; ${CONNECTIONS} connections. The API runs with NODE_ENV=test, ` +
          `LOG_LEVEL=${API_LOG_LEVEL}; limiter on = RATE_LIMIT_API=${RATE_LIMIT_ENV.RATE_LIMIT_API} (every ` +
          `request counted in Redis, none refused; RateLimit-Policy seen: ${policyOn || 'none'}), limiter off = ` +
          `RATE_LIMIT_ENABLED=false in a second API process running beside the first; /me ran on, off, on, off, … ` +
          `(${LIMITER_ROUNDS} rounds each, the second half on a fresh pair of processes), and the ratios below ` +
          "use each side's mean req/s and its CPU over all its rounds.",
        `note: both routes pass the same authentication (token, Redis revocation state) and the same ` +
          `access guard; /me then reads one user, the admin route counts and lists a page of users ` +
          `(${usersListed ?? '?'} in the table), so admin ÷ /me is the cost of the admin route as a whole ` +
          '(permission + MFA check and its query), not of the permission check alone.',
        `note: audit appends call AuditLogRepository.append in this process (the API's Nest application, ` +
          `PostgreSQL pool of ${AUDIT_POOL_MAX}), each in its own transaction; a ${AUDIT_WARMUP}-append ` +
          'warm-up ran first and is not shown. Appends take turns on a PostgreSQL advisory lock by design ' +
          '(each links to the hash of the one before), so concurrency adds queueing rather than throughput; ' +
          `at 32 at a time the appends also queue for the pool's ${AUDIT_POOL_MAX} connections. Latency = call ` +
          'to resolve of each append, waiting included.',
        `note: the audit log is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), so the ` +
          `${AUDIT_WARMUP + runs.reduce((sum, run) => sum + run.appends, 0)} bench entries of this run ` +
          '(actor system:bench, action bench.append) stay in the bench database, and verify() walks every ' +
          'run so far; the bench admin and its sessions are deleted.',
        'note: req/s ratios are only as good as the machine is quiet (see the CPU lines); api CPU per request ' +
          '(server CPU time / responses) is less sensitive to other load.',
        ...cpuLines(targets),
        `authorization: admin route ÷ /me = ${fixed(authorizationRatio)} req/s ` +
          `(${fixed(adminOn.load.requestsPerSec, 0)} ÷ ${fixed(meOn.meanRequestsPerSec, 0)}); api CPU per ` +
          `request ${fixed(adminCpu, 0)} vs ${fixed(meCpu, 0)} µs (x ${fixed(meCpu > 0 ? adminCpu / meCpu : 0)})`,
        `rate limiting: /me limiter on ÷ off = ${fixed(limiterRatio)} req/s ` +
          `(${fixed(meOn.meanRequestsPerSec, 0)} ÷ ${fixed(meOff.meanRequestsPerSec, 0)}); api CPU per ` +
          `request ${fixed(meCpu, 0)} vs ${fixed(meOffCpu, 0)} µs (x ${fixed(meOffCpu > 0 ? meCpu / meOffCpu : 0)})`,
        targetCheck(
          '/me limiter on ÷ off req/s',
          fixed(limiterRatio),
          `>= ${fixed(AIM_LIMITER_ON_TO_OFF, 2)}`,
          limiterRatio >= AIM_LIMITER_ON_TO_OFF,
        ),
        `audit: ${runs.map((run) => `${fixed(run.perSec, 0)} appends/s ${run.concurrency} at a time`).join(', ')}; ` +
          `verify(): ${verification.valid ? 'valid' : 'BROKEN'}, ${verification.checked} entries in ` +
          `${fixed(verifyMs, 0)} ms (${fixed(verifyMs > 0 ? (verification.checked / verifyMs) * 1000 : 0, 0)} entries/s)`,
      ];
      const extra: Record<string, number | string> = {
        meLimiterOnRequestsPerSec: meOn.meanRequestsPerSec,
        adminRequestsPerSec: adminOn.load.requestsPerSec,
        meLimiterOffRequestsPerSec: meOff.meanRequestsPerSec,
        adminToMeRatio: authorizationRatio,
        limiterOnToOffRatio: limiterRatio,
        meLimiterOnCpuMicrosPerRequest: meCpu,
        adminCpuMicrosPerRequest: adminCpu,
        meLimiterOffCpuMicrosPerRequest: meOffCpu,
        auditVerifyValid: verification.valid ? 'yes' : 'no',
        auditVerifyEntries: verification.checked,
        auditVerifyMs: verifyMs,
      };
      for (const run of runs) {
        extra[`auditAppendsPerSecC${run.concurrency}`] = run.perSec;
        extra[`auditAppendP50MsC${run.concurrency}`] = run.p50;
        extra[`auditAppendP95MsC${run.concurrency}`] = run.p95;
      }
      return {
        scenario: accessScenario.name,
        description: accessScenario.description,
        setup:
          `HTTP ${CONNECTIONS} connections, pipelining 1, ${settings.warmupSec} s warm-up (discarded) + ` +
          `${settings.durationSec} s measured per target; audit ${auditCount} appends per concurrency ` +
          `(${AUDIT_CONCURRENCY.join(', ')})`,
        targets,
        summary,
        failures,
        extra,
      };
    } finally {
      await api?.stop();
      await apiOff?.stop();
      await app?.close();
      await cleanUpBenchAccounts(settings, 'access', {
        db: connected ? db : undefined,
        emails: adminEmail ? [adminEmail] : [],
        redisKeyPrefix: prefix,
      });
    }
  },
};
