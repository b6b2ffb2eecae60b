// GET /__healthz of the real API next to a bare Fastify 5 server answering the same JSON: the cost of
// everything the API puts around a trivial route (Nest routing and pipes, helmet, CORS, request ids,
// its Fastify hooks, logging at warn, the extra response headers). A NestJS hello world with the same
// route runs beside them, so the run also shows what Nest on Fastify costs by itself.
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
  summarizeRounds,
} from '../lib.mts';
import { API_LOG_LEVEL, startApi, startBareFastify, startNestHello } from '../servers.mts';

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

/**
 * Rounds per server, alternating api, nest, bare, api, …: a slow spell of the machine lands on all.
 * The second half runs on fresh processes of all three, since two processes of one build differ by
 * several percent and a ratio should not rest on one process's luck.
 */
const ROUNDS = 2;

const SERVERS = ['api', 'nest', 'bare'] as const;
type ServerName = (typeof SERVERS)[number];

export const healthzScenario: Scenario = {
  name: 'healthz',
  description: `GET ${PATH}: the real API vs a NestJS hello world and a bare Fastify 5 server (framework overhead)`,
  async run(settings: BenchSettings): Promise<ScenarioReport> {
    const failures: string[] = [];
    const targets: TargetResult[] = [];
    const rounds: Record<ServerName, TargetResult[]> = { api: [], nest: [], bare: [] };
    // All run throughout, but only one is under load at a time: the load generator and a server
    // share 2 cores.
    const started: ServerProcess[] = [];
    const startAll = async (): Promise<Record<ServerName, ServerProcess>> => {
      settings.log('api: starting dist/apps/api/src/main.js');
      const api = await startApi(settings);
      started.push(api);
      settings.log('nest: starting scripts/bench/nest-hello.mts');
      const nest = await startNestHello(settings);
      started.push(nest);
      settings.log('bare: starting scripts/bench/bare-fastify.mts');
      const bare = await startBareFastify(settings);
      started.push(bare);
      for (const server of [api, nest, bare]) failures.push(...(await checkShape(server)));
      return { api, nest, bare };
    };
    try {
      let servers = await startAll();
      for (let round = 1; round <= ROUNDS && failures.length === 0; round += 1) {
        if (round === ROUNDS / 2 + 1) {
          settings.log('healthz: replacing the three servers with fresh processes for the second half');
          await Promise.all(started.splice(0).map((server) => server.stop()));
          servers = await startAll();
          if (failures.length > 0) break;
        }
        for (const name of SERVERS) {
          settings.log(`healthz: ${name}, round ${round} of ${ROUNDS}`);
          const target: TargetResult = {
            ...(await measureServer(servers[name], { path: PATH }, settings)),
            name: `${name}, round ${round}`,
          };
          rounds[name].push(target);
          targets.push(target);
        }
      }
    } finally {
      await Promise.all(started.map((server) => server.stop()));
    }
    for (const target of targets) failures.push(...loadFailures(target));

    const summary = [
      targetTable(targets),
      '',
      `note: the API runs with NODE_ENV=test and LOG_LEVEL=${API_LOG_LEVEL}, so request logging is at warn ` +
        '(no per-request log lines); the Nest hello world and the bare server have no logger.',
      'note: latency percentiles are exact, from every response of the measured run; ' +
        "server CPU = the server's user+system time / run time, loader CPU = the same for autocannon " +
        '(100% = one core).',
    ];
    const extra: Record<string, number> = {};
    const lastApiRound = rounds.api[rounds.api.length - 1];
    if (rounds.api.length > 0 && rounds.nest.length > 0 && rounds.bare.length > 0) {
      const rate = (name: ServerName): number => summarizeRounds(rounds[name]).meanRequestsPerSec;
      const perRound = (over: ServerName, under: ServerName): string =>
        rounds[over]
          .map((round, index) =>
            fixed(round.load.requestsPerSec / (rounds[under][index]?.load.requestsPerSec ?? Number.NaN)),
          )
          .join(', ');
      const ratio = (over: ServerName, under: ServerName, what: string): number => {
        const value = rate(over) / rate(under);
        summary.push(
          `ratio ${over}/${under} (${what}): mean req/s of ${ROUNDS} rounds each, ${fixed(rate(over), 0)} ÷ ` +
            `${fixed(rate(under), 0)} = ${fixed(value)}; rounds ${perRound(over, under)}`,
        );
        return value;
      };
      const rpsRatio = ratio('api', 'bare', 'the target');
      extra.ratioRequestsPerSec = rpsRatio;
      extra.nestRatioRequestsPerSec = ratio('nest', 'bare', "Nest's own cost");
      extra.apiToNestRatioRequestsPerSec = ratio('api', 'nest', "the cost of the API's own pipeline");
      summary.push(
        targetCheck(
          '/__healthz api ÷ bare req/s',
          fixed(rpsRatio),
          `>= ${fixed(AIM_RATIO_TO_BARE, 1)}`,
          rpsRatio >= AIM_RATIO_TO_BARE,
        ),
      );
    }
    if (lastApiRound) {
      summary.push(apiRssCheck('healthz', lastApiRound));
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
