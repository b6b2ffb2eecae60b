// Sign-in and the authenticated hot path of the real API (dist/apps/api/src/main.js, a child process):
//   argon2     the raw argon2id verification rate in this process (the API's parameters, as a bench user's
//              hash carries them: m=19456 KiB, t=2, p=1), one at a time and two at a time (2 cores; argon2
//              runs on the libuv threadpool): the ceiling of any password sign-in on this machine
//   login      POST /v1/auth/login with the right password over 8 connections, one bench user each
//              (the lockout counts an attempt before its password check, so parallel sign-ins of one
//              address could trip it), in LOGIN_ROUNDS rounds that alternate with the rounds of raw
//              argon2id two at a time (the API idle meanwhile), so a slower or faster spell of the
//              machine weighs on both sides of the ratio alike; then over 2 connections (one per core:
//              the p95 target is checked there) and over 1 (the latency without queueing): req/s and
//              latency, and req/s as a ratio to the raw argon2 rate (two at a time, the means of the
//              rounds; resp. one at a time)
//   me         GET /v1/auth/me with one access token over 64 connections: token verification, the rate
//              limit and the Redis revocation state (session, user) on every request
//   floor      the same token and connections against the naive authenticated floor
//              (scripts/bench/naive-floor.mts: bare Fastify, jose HS256, one Redis MGET, the API's /me body
//              as a fixed text), started after the API's runs: what a hand-written /me costs
// The bench users (active, e-mail verified) are made by the tests' factories through the build's own
// repositories and password hasher (the API application, briefly in this process), and deleted
// afterwards with their sessions, refresh tokens, login attempts and throttles, as are the API's Redis
// keys (its own REDIS_KEY_PREFIX). Any request error, timeout or non-2xx fails the scenario; the targets
// (login >= 0.85x raw argon2id two at a time, login p95 < 150 ms at 2 connections as in the seed,
// /me >= 5,000 req/s, /me >= 1.0x the naive floor with p99 < 30 ms, API RSS < 200 MiB after the /me run)
// are printed as PASS/FAIL, not enforced.
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import pg from 'pg';
import { createActiveAccount, uniqueEmail } from '../../../test/factories/accounts.mts';
import {
  apiRssCheck,
  OTHER_CPU_WARNING_PERCENT,
  cpuLines,
  fixed,
  formatTable,
  httpRequest,
  loadFailures,
  mean,
  measureServer,
  readMachineBusySeconds,
  summarizeRounds,
  targetCheck,
  targetTable,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type TargetResult,
} from '../lib.mts';
import {
  API_LOG_LEVEL,
  cleanUpBenchAccounts,
  migrateDatabase,
  startApi,
  startNaiveFloor,
  UNREACHABLE_RATE_LIMITS,
  withAccountServices,
} from '../servers.mts';

const ARGON2_SECONDS = 5;
/** Rounds of login over LOGIN_CONNECTIONS, each after a round of raw argon2id two at a time. */
const LOGIN_ROUNDS = 3;
/** Connections of the login run, each signing in its own user. */
const LOGIN_CONNECTIONS = 8;
/**
 * Sign-ins in flight that the machine sustains without queueing: one per core, as argon2id takes a
 * core for each hash. The p95 target is checked at this concurrency; at LOGIN_CONNECTIONS the
 * requests queue behind the hashes by design (throughput).
 */
const LOGIN_SUSTAINED_CONNECTIONS = 2;
const ME_CONNECTIONS = 64;
const LOGIN_PATH = '/v1/auth/login';
const ME_PATH = '/v1/auth/me';
const SEED_LOGIN_P95_MS = 150;
const AIM_ME_REQUESTS_PER_SEC = 5_000;
const AIM_ME_RATIO_TO_FLOOR = 1.0;
const AIM_ME_P99_MS = 30;
/** Login against the raw argon2id rate two at a time (the hash is nearly all of a sign-in). */
const AIM_LOGIN_RATIO_TO_ARGON2 = 0.85;
/** Fixed here rather than random per process, so the naive floor verifies the API's tokens. */
const JWT_ISSUER = 'rampart';
const JWT_AUDIENCE = 'rampart-api';
const CHECK_TIMEOUT_MS = 10_000;

interface BenchUser {
  email: string;
  password: string;
  loginBody: string;
}

// ---------------------------------------------------------------------------------------------------------
// Raw argon2

interface Argon2Rate {
  concurrency: number;
  verifications: number;
  seconds: number;
  perSec: number;
  /** Mean time of one verification (with `concurrency` of them running at once). */
  meanMs: number;
  /** CPU seconds this process used / wall seconds (1 = one core). */
  cpuCores: number;
  /** CPU seconds the whole machine was busy / wall seconds. */
  machineCores: number;
}

/** Verifies `password` against `hash` for `seconds`, `concurrency` verifications at a time. */
async function argon2Rate(
  hash: string,
  password: string,
  concurrency: number,
  seconds: number,
): Promise<Argon2Rate> {
  let verifications = 0;
  let busyMs = 0;
  const cpuBefore = process.cpuUsage();
  const machineBefore = await readMachineBusySeconds();
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const before = performance.now();
      if (!(await argon2.verify(hash, password)))
        throw new Error('argon2 baseline: the password did not verify');
      busyMs += performance.now() - before;
      verifications += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const wallSec = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const machineSec = (await readMachineBusySeconds()) - machineBefore;
  return {
    concurrency,
    verifications,
    seconds: wallSec,
    perSec: verifications / wallSec,
    meanMs: verifications > 0 ? busyMs / verifications : 0,
    cpuCores: (cpu.user + cpu.system) / 1e6 / wallSec,
    machineCores: machineSec / wallSec,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Bench users

/** The argon2 parameters a PHC string was made with, e.g. `m=19456 KiB, t=2, p=1`. */
function argon2Parameters(hash: string): string {
  // The PHC string's parameter field, `$m=19456,p=1,t=2$` (argon2 writes them in its own order).
  const field = /\$(m=[^$]+)\$/.exec(hash)?.[1] ?? '';
  const value = Object.fromEntries(field.split(',').map((pair) => pair.split('=') as [string, string]));
  return value.m ? `m=${value.m} KiB, t=${value.t}, p=${value.p}` : 'unknown parameters';
}

// ---------------------------------------------------------------------------------------------------------
// Checks through HTTP

/** Signs `user` in once; returns the access token, or a problem. */
async function logInOnce(api: ServerProcess, user: BenchUser): Promise<{ token?: string; problem?: string }> {
  const response = await httpRequest(`${api.url}${LOGIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: user.loginBody,
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  const problem = (what: string): { problem: string } => ({
    problem: `POST ${LOGIN_PATH} (${user.email}) ${what}: ${response.body.slice(0, 300)}`,
  });
  if (response.status !== 200) return problem(`answered ${response.status}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return problem('did not answer JSON');
  }
  const valid =
    body.tokenType === 'Bearer' &&
    typeof body.accessToken === 'string' &&
    typeof body.refreshToken === 'string' &&
    typeof body.expiresIn === 'number';
  return valid ? { token: body.accessToken as string } : problem('answered an unexpected shape');
}

/**
 * GET /v1/auth/me of `server` must answer 200 with the user's own e-mail address; returns the problems
 * and the body (the naive floor answers the API's body, so both send the same bytes).
 */
async function checkMe(
  server: ServerProcess,
  token: string,
  email: string,
): Promise<{ problems: string[]; body: string }> {
  const response = await httpRequest(`${server.url}${ME_PATH}`, {
    headers: { authorization: `Bearer ${token}` },
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  const problem = (what: string): { problems: string[]; body: string } => ({
    problems: [`${server.name}: GET ${ME_PATH} ${what}: ${response.body.slice(0, 300)}`],
    body: response.body,
  });
  if (response.status !== 200) return problem(`answered ${response.status}`);
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    return body.email === email && body.status === 'active'
      ? { problems: [], body: response.body }
      : problem('answered another account');
  } catch {
    return problem('did not answer JSON');
  }
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

export const authScenario: Scenario = {
  name: 'auth',
  description: `POST ${LOGIN_PATH} against raw argon2id, and GET ${ME_PATH} with a bearer token`,
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const prefix = `rampart-bench-auth-${randomBytes(4).toString('hex')}`;
    const failures: string[] = [];
    const targets: TargetResult[] = [];
    const emails: string[] = [];
    const db = new pg.Client({ connectionString: settings.databaseUrl });
    let api: ServerProcess | undefined;
    let floor: ServerProcess | undefined;
    let connected = false;
    const jwtSecret = randomBytes(32).toString('base64url');

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'auth');
      await db.connect();
      connected = true;
      // One user per login connection, and one more for /me, so the /me token's session is not the
      // login run's.
      settings.log('auth: making the bench users with the API application in this process');
      const users = await withAccountServices(settings, prefix, async (services) => {
        const made: BenchUser[] = [];
        for (let index = 0; index <= LOGIN_CONNECTIONS; index += 1) {
          const { email, password } = await createActiveAccount(services, { email: uniqueEmail('bench') });
          emails.push(email);
          made.push({ email, password, loginBody: JSON.stringify({ email, password }) });
        }
        return made;
      });
      const loginUsers = users.slice(0, LOGIN_CONNECTIONS);
      const meUser = users[LOGIN_CONNECTIONS];
      const firstUser = users[0];
      if (!meUser || !firstUser) throw new Error('auth: bench users missing');

      // One at a time before the API starts, so nothing else competes for the cores.
      const firstHash = (
        await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [
          firstUser.email,
        ])
      ).rows[0]?.password_hash;
      if (!firstHash) throw new Error('auth: the first bench user has no password hash');
      await argon2.verify(firstHash, firstUser.password);
      settings.log(`auth: raw argon2id verifications, 1 at a time, ${ARGON2_SECONDS} s`);
      const single = await argon2Rate(firstHash, firstUser.password, 1, ARGON2_SECONDS);
      const rates: Argon2Rate[] = [single];
      const pairRates: Argon2Rate[] = [];

      settings.log('auth: starting dist/apps/api/src/main.js');
      // The limiter stays on (its cost is part of the figures) with limits no run can reach.
      api = await startApi(settings, {
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET: jwtSecret,
        JWT_ISSUER,
        JWT_AUDIENCE,
        ...UNREACHABLE_RATE_LIMITS,
      });
      for (const user of loginUsers) {
        const { problem } = await logInOnce(api, user);
        if (problem) failures.push(problem);
      }
      const meLogin = await logInOnce(api, meUser);
      if (meLogin.problem) failures.push(meLogin.problem);
      let meBody = '';
      if (meLogin.token) {
        const checked = await checkMe(api, meLogin.token, meUser.email);
        failures.push(...checked.problems);
        meBody = checked.body;
      }

      const loginRounds: TargetResult[] = [];
      let loginAlone: TargetResult | undefined;
      let loginSustained: TargetResult | undefined;
      let me: TargetResult | undefined;
      let floorMe: TargetResult | undefined;
      if (failures.length === 0 && meLogin.token) {
        const server = api;
        const measureLogin = async (connections: number): Promise<TargetResult> => ({
          ...(await measureServer(
            server,
            {
              path: LOGIN_PATH,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              bodies: loginUsers.slice(0, connections).map((user) => user.loginBody),
            },
            { ...settings, connections },
          )),
          name: `POST ${LOGIN_PATH}, ${connections} conn`,
        });
        for (let round = 1; round <= LOGIN_ROUNDS; round += 1) {
          settings.log(`auth: round ${round}: raw argon2id verifications, 2 at a time, ${ARGON2_SECONDS} s`);
          pairRates.push(await argon2Rate(firstHash, firstUser.password, 2, ARGON2_SECONDS));
          const login = await measureLogin(LOGIN_CONNECTIONS);
          loginRounds.push({ ...login, name: `${login.name}, round ${round}` });
        }
        rates.push(...pairRates);
        targets.push(...loginRounds);
        loginSustained = await measureLogin(LOGIN_SUSTAINED_CONNECTIONS);
        targets.push(loginSustained);
        loginAlone = await measureLogin(1);
        targets.push(loginAlone);
        me = {
          ...(await measureServer(
            api,
            { path: ME_PATH, headers: { authorization: `Bearer ${meLogin.token}` } },
            { ...settings, connections: ME_CONNECTIONS },
          )),
          name: `GET ${ME_PATH}, ${ME_CONNECTIONS} conn`,
        };
        targets.push(me);

        // After the API's runs, so the two never share the cores under load; the API idles meanwhile.
        settings.log('auth: starting scripts/bench/naive-floor.mts');
        floor = await startNaiveFloor(settings, {
          jwtSecret,
          jwtIssuer: JWT_ISSUER,
          jwtAudience: JWT_AUDIENCE,
          redisKeyPrefix: prefix,
          meBody,
        });
        const floorCheck = await checkMe(floor, meLogin.token, meUser.email);
        failures.push(...floorCheck.problems);
        if (floorCheck.problems.length === 0) {
          floorMe = {
            ...(await measureServer(
              floor,
              { path: ME_PATH, headers: { authorization: `Bearer ${meLogin.token}` } },
              { ...settings, connections: ME_CONNECTIONS },
            )),
            name: `naive floor GET ${ME_PATH}, ${ME_CONNECTIONS} conn`,
          };
          targets.push(floorMe);
        }
        await floor.stop();
      }
      for (const target of targets) failures.push(...loadFailures(target));
      if (!api.isRunning) failures.push(`the API exited during the run\n${api.outputText()}`);

      const argonTable = formatTable(
        [
          `argon2id verify (${argon2Parameters(firstHash)})`,
          'verifications/s',
          'count',
          'mean ms',
          'bench CPU',
          'machine CPU',
        ],
        rates.map((rate) => [
          rate.concurrency === 1 ? '1 at a time' : `2 at a time, round ${pairRates.indexOf(rate) + 1}`,
          fixed(rate.perSec, 1),
          String(rate.verifications),
          fixed(rate.meanMs, 1),
          `${fixed(rate.cpuCores * 100, 0)}%`,
          `${fixed(rate.machineCores * 100, 0)}%`,
        ]),
      );
      const summary = [
        argonTable,
        '',
        targetTable(targets),
        '',
        `note: argon2 runs in this process, ${ARGON2_SECONDS} s per row, verifying the same password against ` +
          "one bench user's hash (a login does one such verification): one at a time before the API starts, " +
          'two at a time before each login round, the API idle meanwhile; bench CPU = ' +
          "this process's user+system time / wall time, machine CPU = every process's (100% = one core).",
        `note: login: ${LOGIN_CONNECTIONS} connections in ${LOGIN_ROUNDS} rounds, each signing in its own active ` +
          `user with the right password (every response 200, a new session each), then ${LOGIN_SUSTAINED_CONNECTIONS} (one per ` +
          `core), then 1 connection (one sign-in at a time, the latency without queueing); /me: ${ME_CONNECTIONS} connections with one ` +
          `access token. The API runs with NODE_ENV=test, LOG_LEVEL=${API_LOG_LEVEL} and the default libuv ` +
          'threadpool (4 threads), and shares the cores with autocannon (loader CPU).',
        'note: naive floor: bare Fastify 5 + jose HS256 verify of the same token + one Redis MGET (denylist ' +
          "and session keys) per request, answering the API's /me body as a fixed text; measured after the " +
          'API with the same token and connections, the API idle meanwhile.',
      ];
      summary.push(...cpuLines(targets));
      for (const rate of rates) {
        const others = (rate.machineCores - rate.cpuCores) * 100;
        if (others > OTHER_CPU_WARNING_PERCENT || rate.cpuCores < 0.75 * rate.concurrency) {
          summary.push(
            `warning: the argon2 baseline ${rate.concurrency} at a time got ${fixed(rate.cpuCores * 100, 0)}% CPU ` +
              `(not ~${rate.concurrency * 100}%) while other processes took ${fixed(Math.max(0, others), 0)}%: ` +
              'the login ratio against it is not trustworthy (run again on a quiet machine).',
          );
        }
      }
      const extra: Record<string, number | string> = {};
      const pairPerSec = mean(pairRates.map((rate) => rate.perSec));
      extra.argon2VerifyPerSecC1 = single.perSec;
      extra.argon2VerifyPerSecC2 = pairPerSec;
      const login = loginRounds.length > 0 ? summarizeRounds(loginRounds) : undefined;
      const loginRatio = login ? login.meanRequestsPerSec / pairPerSec : 0;
      if (login) {
        const p95 = mean(loginRounds.map((round) => round.load.latency.p95));
        Object.assign(extra, {
          loginRequestsPerSec: login.meanRequestsPerSec,
          loginP50Ms: login.meanP50,
          loginP95Ms: p95,
          loginP99Ms: login.meanP99,
          loginRatioToArgon2: loginRatio,
        });
        summary.push(
          `login: ${fixed(login.meanRequestsPerSec, 1)} req/s = ${fixed(loginRatio)} x raw argon2id ` +
            `(${fixed(pairPerSec, 1)} verifications/s, 2 at a time; means of ${LOGIN_ROUNDS} alternating rounds, ` +
            `per round ${loginRounds.map((round, index) => fixed(round.load.requestsPerSec / (pairRates[index]?.perSec ?? NaN))).join(', ')}); ` +
            `mean p50 ${fixed(login.meanP50, 1)} ms / p95 ${fixed(p95, 1)} ms / p99 ${fixed(login.meanP99, 1)} ms; ` +
            `CPU per sign-in: API ${fixed(login.cpuMicrosPerRequest / 1000, 1)} ms (argon2id included), ` +
            `PostgreSQL/Redis ${fixed(login.dataStoresMicrosPerRequest / 1000, 2)} ms`,
        );
      }
      if (loginAlone) {
        const ratio = loginAlone.load.requestsPerSec / single.perSec;
        Object.assign(extra, {
          loginAloneRequestsPerSec: loginAlone.load.requestsPerSec,
          loginAloneP50Ms: loginAlone.load.latency.p50,
          loginAloneP95Ms: loginAlone.load.latency.p95,
          loginAloneP99Ms: loginAlone.load.latency.p99,
          loginAloneRatioToArgon2: ratio,
        });
        summary.push(
          `login one at a time: ${fixed(loginAlone.load.requestsPerSec, 1)} req/s = ${fixed(ratio)} x raw ` +
            `argon2id (${fixed(single.perSec, 1)} verifications/s, ${single.concurrency} at a time); ` +
            `p50 ${fixed(loginAlone.load.latency.p50, 1)} ms / p95 ${fixed(loginAlone.load.latency.p95, 1)} ms / ` +
            `p99 ${fixed(loginAlone.load.latency.p99, 1)} ms`,
        );
      }
      if (me) {
        const verdict = me.load.requestsPerSec >= AIM_ME_REQUESTS_PER_SEC ? 'PASS' : 'FAIL';
        Object.assign(extra, {
          meRequestsPerSec: me.load.requestsPerSec,
          meP50Ms: me.load.latency.p50,
          meP95Ms: me.load.latency.p95,
          meP99Ms: me.load.latency.p99,
          meTarget: verdict,
        });
        summary.push(
          `/me: ${fixed(me.load.requestsPerSec, 0)} req/s; p50 ${fixed(me.load.latency.p50)} ms / ` +
            `p95 ${fixed(me.load.latency.p95)} ms / p99 ${fixed(me.load.latency.p99)} ms`,
          `target check: /me ${fixed(me.load.requestsPerSec, 0)} req/s (aim >= ${AIM_ME_REQUESTS_PER_SEC}): ${verdict}`,
        );
        const p99Verdict = me.load.latency.p99 < AIM_ME_P99_MS ? 'PASS' : 'FAIL';
        extra.meP99Target = p99Verdict;
        summary.push(
          `target check: /me p99 ${fixed(me.load.latency.p99, 1)} ms (aim < ${AIM_ME_P99_MS} ms, ` +
            `${ME_CONNECTIONS} connections): ${p99Verdict}`,
        );
      }
      if (me) {
        summary.push(apiRssCheck('/me', me));
      }
      if (me && floorMe) {
        const ratio = me.load.requestsPerSec / floorMe.load.requestsPerSec;
        const verdict = ratio >= AIM_ME_RATIO_TO_FLOOR ? 'PASS' : 'FAIL';
        Object.assign(extra, {
          floorRequestsPerSec: floorMe.load.requestsPerSec,
          floorP99Ms: floorMe.load.latency.p99,
          meRatioToFloor: ratio,
          meFloorTarget: verdict,
        });
        summary.push(
          `target check: Rampart /me ÷ naive floor ${fixed(ratio)} (${fixed(me.load.requestsPerSec, 0)} / ` +
            `${fixed(floorMe.load.requestsPerSec, 0)} req/s, aim >= ${fixed(AIM_ME_RATIO_TO_FLOOR, 1)}): ${verdict}`,
        );
      }
      if (login) {
        summary.push(
          targetCheck(
            'login ÷ raw argon2id 2 at a time',
            fixed(loginRatio),
            `>= ${AIM_LOGIN_RATIO_TO_ARGON2}`,
            loginRatio >= AIM_LOGIN_RATIO_TO_ARGON2,
          ),
        );
      }
      if (loginSustained) {
        const p95 = loginSustained.load.latency.p95;
        extra.loginSustainedP95Ms = p95;
        summary.push(
          targetCheck(
            `login p95 at ${LOGIN_SUSTAINED_CONNECTIONS} connections (one per core: what the machine sustains)`,
            `${fixed(p95, 1)} ms`,
            `< ${SEED_LOGIN_P95_MS} ms`,
            p95 < SEED_LOGIN_P95_MS,
          ),
        );
      }
      return {
        scenario: authScenario.name,
        description: authScenario.description,
        setup:
          `login ${LOGIN_CONNECTIONS} connections (one user each) then ${LOGIN_SUSTAINED_CONNECTIONS} then 1, /me ${ME_CONNECTIONS} connections, ` +
          `pipelining 1, ${settings.warmupSec} s warm-up (discarded) + ${settings.durationSec} s measured ` +
          `per target, login over ${LOGIN_CONNECTIONS} in ${LOGIN_ROUNDS} rounds; raw argon2 ${ARGON2_SECONDS} s per row`,
        targets,
        summary,
        failures,
        extra,
      };
    } finally {
      await floor?.stop();
      await api?.stop();
      await cleanUpBenchAccounts(settings, 'auth', {
        db: connected ? db : undefined,
        emails,
        redisKeyPrefix: prefix,
      });
    }
  },
};
