// GET /__healthz of the real API next to a bare Fastify 5 server answering the same JSON: the cost of
// everything the API puts around a trivial route (Nest routing and pipes, helmet, CORS, request ids,
// its Fastify hooks, logging at warn, the extra response headers).
import {
  apiRssCheck,
  fixed,
  httpRequest,
  loadFailures,
  measureServer,
  targetCheck,
  targetTable,
  type BenchSettings,
  type Scenario,
  type ScenarioReport,
  type ServerProcess,
  type TargetResult,
} from '../lib.mts';
import { API_LOG_LEVEL, startApi, startBareFastify } from '../servers.mts';

const PATH = '/__healthz';
/** The aim: the API's probe at half of bare Fastify's rate or better. */
const AIM_RATIO_TO_BARE = 0.5;

/** The body must be {status:'ok', env:'test', time:<ISO date>} on both servers, or the comparison is off. */
async function checkShape(server: ServerProcess): Promise<string[]> {
  const response = await httpRequest(`${server.url}${PATH}`);
  const problem = (what: string): string[] => [
    `${server.name}: GET ${PATH} ${what}: ${response.body.slice(0, 200)}`,
  ];
  if (response.status !== 200) return problem(`answered ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return problem('did not answer JSON');
  }
  if (typeof body !== 'object' || body === null) return problem('did not answer an object');
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record).sort().join(',');
  const time = record.time;
  const valid =
    keys === 'env,status,time' &&
    record.status === 'ok' &&
    record.env === 'test' &&
    typeof time === 'string' &&
    !Number.isNaN(Date.parse(time));
  return valid ? [] : problem('answered an unexpected shape');
}

async function benchTarget(
  start: () => Promise<ServerProcess>,
  settings: BenchSettings,
  failures: string[],
): Promise<TargetResult | undefined> {
  const server = await start();
  try {
    const shapeProblems = await checkShape(server);
    if (shapeProblems.length > 0) {
      failures.push(...shapeProblems);
      return undefined;
    }
    return await measureServer(server, { path: PATH }, settings);
  } finally {
    await server.stop();
  }
}

export const healthzScenario: Scenario = {
  name: 'healthz',
  description: `GET ${PATH}: the real API vs a bare Fastify 5 server (framework overhead)`,
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const failures: string[] = [];
    const targets: TargetResult[] = [];
    // One after the other, never at the same time: the load generator and a server share 2 cores.
    settings.log('api: starting dist/apps/api/src/main.js');
    const api = await benchTarget(() => startApi(settings), settings, failures);
    if (api) targets.push(api);
    settings.log('bare: starting scripts/bench/bare-fastify.mts');
    const bare = await benchTarget(() => startBareFastify(settings), settings, failures);
    if (bare) targets.push(bare);
    for (const target of targets) failures.push(...loadFailures(target));

    const summary = [
      targetTable(targets),
      '',
      `note: the API runs with NODE_ENV=test and LOG_LEVEL=${API_LOG_LEVEL}, so request logging is at warn ` +
        '(no per-request log lines); the bare server has no logger.',
      'note: latency percentiles are exact, from every response of the measured run; ' +
        "server CPU = the server's user+system time / run time, loader CPU = the same for autocannon " +
        '(100% = one core).',
    ];
    const extra: Record<string, number> = {};
    if (api && bare) {
      const rpsRatio = api.load.requestsPerSec / bare.load.requestsPerSec;
      const p99Ratio = api.load.latency.p99 / bare.load.latency.p99;
      extra.ratioRequestsPerSec = rpsRatio;
      extra.ratioP99 = p99Ratio;
      summary.push(
        `ratio api/bare: req/s ${fixed(rpsRatio)}, p99 latency ${fixed(p99Ratio)}`,
        targetCheck(
          '/__healthz api ÷ bare req/s',
          fixed(rpsRatio),
          `>= ${fixed(AIM_RATIO_TO_BARE, 1)}`,
          rpsRatio >= AIM_RATIO_TO_BARE,
        ),
      );
    }
    if (api) {
      summary.push(apiRssCheck('healthz', api));
    }
    return {
      scenario: healthzScenario.name,
      description: healthzScenario.description,
      targets,
      summary,
      failures,
      extra,
    };
  },
};
