// The cost of the Prometheus metrics of the real API (dist/): two API processes side by side, one
// with METRICS_ENABLED=true (the default: GET /metrics and the HTTP request metrics,
// http_requests_total and http_request_duration_seconds, observed in a Fastify onResponse hook) and
// one with METRICS_ENABLED=false, same JWT_SECRET and Redis key prefix so one access token works on
// both.
//   healthz   GET /__healthz over the healthz scenario's 50 connections: the smallest route, where the
//             hook's share is largest
//   me        GET /v1/auth/me with one access token over 64 connections, as in the auth scenario: token
//             verification, the Redis revocation check and a user read per request
// Each target runs on, off, on, off, … (ROUNDS rounds per side, each a discarded warm-up and a measured
// run), so drift of a busy 2-core machine falls on both sides alike; halfway through each target both
// processes are replaced by fresh ones, so neither side rests on one process's luck (two processes of
// one build differ by several percent). The report gives each side's mean req/s, p50/p99 (the mean
// of its rounds'), CPU per request, and on ÷ off req/s per route against the target (>= 0.95) as
// PASS/FAIL without failing the run.
// While the metrics-on process is under load, a separate client scrapes its /metrics once a second
// (a new connection each, with the metrics token): scrape latency p50/max and the exposition's size.
// The limiter stays on in both processes with the auth scenario's limits, which no run reaches. The
// bench user (bench-metrics-<random>@example.test) is made by the tests' factories through the build's
// repositories and deleted afterwards with its sessions, login attempts and throttles, as are the Redis
// keys of the run's prefix. A check that does not answer as expected (including /metrics answering
// anything but 404 with metrics off), any request error, timeout or non-2xx under load, and a failed
// scrape fail the scenario.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createActiveAccount, uniqueEmail } from '../../../test/factories/accounts.mts';
import { callApi, expectAnswer } from '../admin-session.mts';
import {
  cpuLines,
  fixed,
  formatTable,
  httpRequest,
  loadFailures,
  measureServer,
  percentile,
  sleep,
  targetTable,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type TargetResult,
  summarizeRounds,
  type RoundsSummary,
} from '../lib.mts';
import {
  API_LOG_LEVEL,
  cleanUpBenchAccounts,
  migrateDatabase,
  startApi,
  UNREACHABLE_RATE_LIMITS,
  withAccountServices,
} from '../servers.mts';

const HEALTHZ_PATH = '/__healthz';
const ME_PATH = '/v1/auth/me';
const METRICS_PATH = '/metrics';
const HEALTHZ_CONNECTIONS = 50;
/** As the auth scenario's /me run. */
const ME_CONNECTIONS = 64;
/**
 * Rounds per side and route, the second half on a fresh pair of processes. A round's rate varies by
 * 10–15 % on this machine, and a 5 % target needs more than the mean of two to tell a cost from a
 * slow spell.
 */
const ROUNDS = 4;
const AIM_ON_TO_OFF = 0.95;
const SCRAPE_INTERVAL_MS = 1_000;
const SCRAPE_TIMEOUT_MS = 5_000;

type Variant = 'on' | 'off';

// ---------------------------------------------------------------------------------------------------------
// Scraping

/**
 * Scrapes one API's /metrics every SCRAPE_INTERVAL_MS while a run lasts, as Prometheus would but more
 * often, on a connection of its own each time (not one of the load's); keeps what every run saw.
 */
class MetricsScraper {
  /** Milliseconds from sending a scrape to its last byte, per answered scrape. */
  readonly latenciesMs: number[] = [];
  /** Size of each answered scrape's body. */
  readonly bytes: number[] = [];
  readonly errors: string[] = [];
  /** Scrapes sent, answered or not. */
  attempts = 0;
  /** The body of the last answered scrape, for the checks after the runs. */
  lastExposition = '';

  private api: ServerProcess;
  private readonly metricsToken: string;

  // Plain fields, not parameter properties: Node strips types but does not compile those.
  constructor(api: ServerProcess, metricsToken: string) {
    this.api = api;
    this.metricsToken = metricsToken;
  }

  /** Scrapes another process from now on (a fresh metrics-on process); the figures so far are kept. */
  retarget(api: ServerProcess): void {
    this.api = api;
  }

  /** Runs `work`, scraping from its start until it settles (and the scrape in flight has answered). */
  async during<T>(work: () => Promise<T>): Promise<T> {
    let stopping = false;
    const scraping = this.scrapeUntil(() => stopping);
    try {
      return await work();
    } finally {
      stopping = true;
      await scraping;
    }
  }

  private async scrapeUntil(stopping: () => boolean): Promise<void> {
    const startedAt = performance.now();
    for (let tick = 1; !stopping(); tick += 1) {
      this.attempts += 1;
      const before = performance.now();
      try {
        const response = await httpRequest(`${this.api.url}${METRICS_PATH}`, {
          headers: { authorization: `Bearer ${this.metricsToken}` },
          timeoutMs: SCRAPE_TIMEOUT_MS,
        });
        this.latenciesMs.push(performance.now() - before);
        this.bytes.push(Buffer.byteLength(response.body));
        this.lastExposition = response.body;
        if (response.status !== 200) {
          this.errors.push(`GET ${METRICS_PATH} answered ${response.status}: ${response.body.slice(0, 200)}`);
        }
      } catch (error) {
        this.errors.push(`GET ${METRICS_PATH}: ${error instanceof Error ? error.message : String(error)}`);
      }
      // On the second's grid, so a slow scrape does not push the next ones back; at most one
      // interval's wait after the run ends.
      await sleep(Math.max(0, startedAt + tick * SCRAPE_INTERVAL_MS - performance.now()));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Checks

/** /__healthz and /me answer on `api`, and /metrics is there (with the token) or not, as `variant` says. */
async function checkApi(
  api: ServerProcess,
  variant: Variant,
  token: string,
  email: string,
  metricsToken: string,
): Promise<void> {
  expectAnswer(`metrics ${variant}: GET ${HEALTHZ_PATH}`, await callApi(api, 'GET', HEALTHZ_PATH), 200);
  const me = await callApi(api, 'GET', ME_PATH, { token });
  expectAnswer(`metrics ${variant}: GET ${ME_PATH}`, me, 200);
  if (me.body.email !== email) {
    throw new Error(`metrics ${variant}: GET ${ME_PATH} answered another account: ${me.text.slice(0, 300)}`);
  }
  const scrape = await callApi(api, 'GET', METRICS_PATH, { token: metricsToken });
  // With METRICS_ENABLED=false the route is gone; anything else means the two processes do not differ.
  expectAnswer(`metrics ${variant}: GET ${METRICS_PATH}`, scrape, variant === 'on' ? 200 : 404);
}

/** The metrics-on exposition must count both loaded routes, or the comparison measured nothing. */
function checkExposition(body: string): string[] {
  return [HEALTHZ_PATH, ME_PATH]
    .filter((route) => !body.includes(`http_requests_total{method="GET",route="${route}",status="200"}`))
    .map((route) => `the last scrape has no http_requests_total for GET ${route} 200`);
}

// ---------------------------------------------------------------------------------------------------------
// Rounds

interface RoutePlan {
  label: string;
  path: string;
  connections: number;
  headers?: Record<string, string>;
}

/** One process's rounds of one route, summed up. */
interface VariantSummary extends RoundsSummary {
  route: string;
  variant: Variant;
  rounds: TargetResult[];
}

function summarizeVariant(route: string, variant: Variant, rounds: TargetResult[]): VariantSummary {
  return { route, variant, rounds, ...summarizeRounds(rounds) };
}

// ---------------------------------------------------------------------------------------------------------
// The scenario

export const metricsScenario: Scenario = {
  name: 'metrics',
  description: `GET ${HEALTHZ_PATH} and GET ${ME_PATH} with METRICS_ENABLED on vs off, and /metrics scrapes under load`,
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const prefix = `rampart-bench-metrics-${randomBytes(4).toString('hex')}`;
    const metricsToken = randomBytes(32).toString('base64url');
    // One signing secret and Redis prefix for both processes, so one access token works on both.
    const apiEnv = {
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      METRICS_TOKEN: metricsToken,
      // As in the auth scenario: the limiter on in both processes, refusing nothing.
      ...UNREACHABLE_RATE_LIMITS,
    };
    const failures: string[] = [];
    const targets: TargetResult[] = [];
    const emails: string[] = [];
    const db = new pg.Client({ connectionString: settings.databaseUrl });
    const servers: Partial<Record<Variant, ServerProcess>> = {};
    let connected = false;

    try {
      await migrateDatabase(settings, settings.databaseUrl, 'metrics');
      await db.connect();
      connected = true;
      settings.log('metrics: making the bench user with the API application in this process');
      const user = await withAccountServices(settings, prefix, (services) =>
        createActiveAccount(services, { email: uniqueEmail('bench-metrics') }),
      );
      emails.push(user.email);

      settings.log('metrics: starting two API processes (METRICS_ENABLED=true and false)');
      let on = await startApi(settings, { ...apiEnv, METRICS_ENABLED: 'true' });
      servers.on = on;
      let off = await startApi(settings, { ...apiEnv, METRICS_ENABLED: 'false' });
      servers.off = off;
      const login = await callApi(on, 'POST', '/v1/auth/login', {
        body: { email: user.email, password: user.password },
      });
      const token = expectAnswer('POST /v1/auth/login', login, 200, 'accessToken');
      await checkApi(on, 'on', token, user.email, metricsToken);
      await checkApi(off, 'off', token, user.email, metricsToken);

      const routes: RoutePlan[] = [
        { label: `GET ${HEALTHZ_PATH}`, path: HEALTHZ_PATH, connections: HEALTHZ_CONNECTIONS },
        {
          label: `GET ${ME_PATH}`,
          path: ME_PATH,
          connections: ME_CONNECTIONS,
          headers: { authorization: `Bearer ${token}` },
        },
      ];
      const summaries: VariantSummary[] = [];
      const scraper = new MetricsScraper(on, metricsToken);
      for (const route of routes) {
        const rounds: Record<Variant, TargetResult[]> = { on: [], off: [] };
        for (let round = 1; round <= ROUNDS; round += 1) {
          if (round === ROUNDS / 2 + 1) {
            settings.log(`metrics: ${route.label}, replacing both API processes with fresh ones`);
            await on.stop();
            await off.stop();
            on = await startApi(settings, { ...apiEnv, METRICS_ENABLED: 'true' });
            servers.on = on;
            off = await startApi(settings, { ...apiEnv, METRICS_ENABLED: 'false' });
            servers.off = off;
            await checkApi(on, 'on', token, user.email, metricsToken);
            await checkApi(off, 'off', token, user.email, metricsToken);
            scraper.retarget(on);
          }
          for (const variant of ['on', 'off'] as const) {
            settings.log(`metrics: ${route.label}, metrics ${variant}, round ${round} of ${ROUNDS}`);
            const measure = (): Promise<TargetResult> =>
              measureServer(
                variant === 'on' ? on : off,
                { path: route.path, ...(route.headers ? { headers: route.headers } : {}) },
                { ...settings, connections: route.connections },
              );
            // The warm-up is scraped too (it is load as well); the off process's runs never are.
            const target: TargetResult = {
              ...(await (variant === 'on' ? scraper.during(measure) : measure())),
              name: `${route.label}, metrics ${variant}, round ${round}`,
            };
            rounds[variant].push(target);
            targets.push(target);
          }
        }
        summaries.push(summarizeVariant(route.label, 'on', rounds.on));
        summaries.push(summarizeVariant(route.label, 'off', rounds.off));
      }
      for (const target of targets) failures.push(...loadFailures(target));
      if (scraper.errors.length > 0) {
        failures.push(
          `${scraper.errors.length} of ${scraper.attempts} scrapes failed (first: ${scraper.errors[0]})`,
        );
      }
      failures.push(...checkExposition(scraper.lastExposition));
      for (const variant of ['on', 'off'] as const) {
        const server = servers[variant];
        if (server && !server.isRunning) {
          failures.push(`the API (metrics ${variant}) exited during the run\n${server.outputText()}`);
        }
      }

      // --- report ---------------------------------------------------------------------------------------
      const summaryTable = formatTable(
        [
          'route',
          'metrics',
          'mean req/s',
          'rounds req/s',
          'p50 ms',
          'p99 ms',
          'api CPU µs/req',
          'PostgreSQL+Redis CPU µs/req',
        ],
        summaries.map((summary) => [
          summary.route,
          summary.variant,
          fixed(summary.meanRequestsPerSec, 0),
          summary.rounds.map((round) => fixed(round.load.requestsPerSec, 0)).join(' / '),
          fixed(summary.meanP50),
          fixed(summary.meanP99),
          fixed(summary.cpuMicrosPerRequest, 0),
          fixed(summary.dataStoresMicrosPerRequest, 0),
        ]),
      );
      const scrapeMs = Float64Array.from(scraper.latenciesMs).sort();
      const sizes = scraper.bytes;
      const samples = scraper.lastExposition
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'));
      const summary = [
        targetTable(targets),
        '',
        summaryTable,
        '',
        `note: both API processes run at once (NODE_ENV=test, LOG_LEVEL=${API_LOG_LEVEL}, the limiter on with ` +
          `RATE_LIMIT_API=${UNREACHABLE_RATE_LIMITS.RATE_LIMIT_API}, none refused), one under load at a time; each ` +
          `route runs on, off, … ${ROUNDS} rounds each, each round a ${settings.warmupSec} s warm-up (discarded) and ` +
          `${settings.durationSec} s measured, the second half on a fresh pair of processes. p50/p99 = the mean of ` +
          "the rounds' exact percentiles; CPU per " +
          'request = CPU time over all measured rounds / their responses.',
        'note: METRICS_ENABLED=false removes GET /metrics and the HTTP request metrics only: the registry ' +
          "with node's default metrics and the feature counters (sign-ins, pool, Redis) exists in both " +
          'processes, so on ÷ off is the cost of the onResponse observations plus the scrapes.',
        `note: the metrics-on process is scraped every ${SCRAPE_INTERVAL_MS / 1000} s during its rounds ` +
          '(warm-up included), far more often than Prometheus would; the scrapes are not in its req/s, ' +
          'but their CPU is in its CPU per request. Scrape latency includes a new connection each time.',
        'note: req/s ratios are only as good as the machine is quiet (see the CPU lines); CPU per request ' +
          'is less sensitive to other load.',
        ...cpuLines(targets),
      ];
      const extra: Record<string, number | string> = {};
      for (const route of routes) {
        const onSummary = summaries.find((s) => s.route === route.label && s.variant === 'on');
        const offSummary = summaries.find((s) => s.route === route.label && s.variant === 'off');
        if (!onSummary || !offSummary || offSummary.meanRequestsPerSec === 0) continue;
        const ratio = onSummary.meanRequestsPerSec / offSummary.meanRequestsPerSec;
        const cpuRatio =
          offSummary.cpuMicrosPerRequest > 0
            ? onSummary.cpuMicrosPerRequest / offSummary.cpuMicrosPerRequest
            : 0;
        const verdict = ratio >= AIM_ON_TO_OFF ? 'PASS' : 'FAIL';
        const key = route.path === ME_PATH ? 'me' : 'healthz';
        Object.assign(extra, {
          [`${key}OnRequestsPerSec`]: onSummary.meanRequestsPerSec,
          [`${key}OffRequestsPerSec`]: offSummary.meanRequestsPerSec,
          [`${key}OnToOffRatio`]: ratio,
          [`${key}OnCpuMicrosPerRequest`]: onSummary.cpuMicrosPerRequest,
          [`${key}OffCpuMicrosPerRequest`]: offSummary.cpuMicrosPerRequest,
          [`${key}Target`]: verdict,
        });
        summary.push(
          `metrics cost, ${route.label}: on ÷ off = ${fixed(ratio)} req/s ` +
            `(${fixed(onSummary.meanRequestsPerSec, 0)} ÷ ${fixed(offSummary.meanRequestsPerSec, 0)}); api CPU ` +
            `per request ${fixed(onSummary.cpuMicrosPerRequest, 0)} vs ${fixed(offSummary.cpuMicrosPerRequest, 0)} µs ` +
            `(x ${fixed(cpuRatio)})`,
          `target check: ${route.label} on ÷ off ${fixed(ratio)} (aim >= ${AIM_ON_TO_OFF}): ${verdict}`,
        );
      }
      if (scrapeMs.length > 0) {
        Object.assign(extra, {
          scrapes: scrapeMs.length,
          scrapeP50Ms: percentile(scrapeMs, 50),
          scrapeMaxMs: scrapeMs[scrapeMs.length - 1] ?? 0,
          expositionBytes: sizes[sizes.length - 1] ?? 0,
        });
        summary.push(
          `scrapes of ${METRICS_PATH} under load: ${scrapeMs.length}, latency p50 ${fixed(percentile(scrapeMs, 50))} ms / ` +
            `max ${fixed(scrapeMs[scrapeMs.length - 1] ?? 0)} ms; exposition ${Math.min(...sizes)}-` +
            `${Math.max(...sizes)} bytes (last: ${sizes[sizes.length - 1]} bytes, ${samples.length} samples)`,
        );
      }
      return {
        scenario: metricsScenario.name,
        description: metricsScenario.description,
        setup:
          `${HEALTHZ_PATH} ${HEALTHZ_CONNECTIONS} connections, ${ME_PATH} ${ME_CONNECTIONS}, pipelining 1, ` +
          `rounds on, off, … ${ROUNDS} each per route (a fresh pair of processes halfway), each ${settings.warmupSec} s warm-up (discarded) + ` +
          `${settings.durationSec} s measured; /metrics scraped every ${SCRAPE_INTERVAL_MS / 1000} s on the on process`,
        targets,
        summary,
        failures,
        extra,
      };
    } finally {
      await servers.on?.stop();
      await servers.off?.stop();
      await cleanUpBenchAccounts(settings, 'metrics', {
        db: connected ? db : undefined,
        emails,
        redisKeyPrefix: prefix,
      });
    }
  },
};
