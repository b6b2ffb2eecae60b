// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- autocannon ships no types; see the file
/// <reference path="./autocannon.d.ts" />
// Building blocks for the benchmarks in scripts/bench: server child processes that are always cleaned
// up (the process, port and HTTP helpers themselves are the tests', test/support/*.mts), /proc readings
// (RSS, CPU time), autocannon runs with exact latency percentiles, and plain-text tables.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon, { type Result as AutocannonResult } from 'autocannon';
import { httpRequest, type HttpResponse } from '../../test/support/http-request.mts';
import { ServerProcess, type ServerProcessOptions } from '../../test/support/server-process.mts';

// Shared with the tests (test/support/*.mts): free ports, one-connection HTTP requests, server processes.
export { freePort } from '../../test/support/free-port.mts';
export { httpRequest, type HttpResponse } from '../../test/support/http-request.mts';
export { ServerProcess } from '../../test/support/server-process.mts';

// ---------------------------------------------------------------------------------------------------------
// Scenarios

/** The settings every scenario gets from the runner (scripts/bench/run.mts). */
export interface BenchSettings {
  /** Repository root: the working directory of the servers. */
  root: string;
  /** Seconds of the measured run per target (BENCH_DURATION). */
  durationSec: number;
  /** Seconds of the discarded warm-up run per target. */
  warmupSec: number;
  connections: number;
  pipelining: number;
  databaseUrl: string;
  redisUrl: string;
  /** BENCH_PROFILE=1: the scenario's directory for the API processes' .cpuprofile files. */
  profileDir?: string;
  /** Progress messages (stderr, so stdout keeps only the report). */
  log: (message: string) => void;
}

/** What a scenario hands back to the runner to print. */
export interface ScenarioReport {
  scenario: string;
  description: string;
  /**
   * What was run, printed under the title in place of the HTTP load settings (connections, warm-up,
   * duration), for scenarios that do not drive HTTP load.
   */
  setup?: string;
  /** HTTP load targets (empty for scenarios that measure something else; see extra). */
  targets: TargetResult[];
  /** Lines printed under the table (notes, ratios). */
  summary: string[];
  /** Anything that makes the run invalid (errors, non-2xx, wrong responses); any entry means exit 1. */
  failures: string[];
  /** Scenario-specific numbers for BENCH_JSON=1. */
  extra?: Record<string, number | string>;
}

/** One benchmark: a name to select it by (BENCH_SCENARIOS) and a function that runs it. */
export interface Scenario {
  name: string;
  description: string;
  run: (settings: BenchSettings) => Promise<ScenarioReport>;
}

// ---------------------------------------------------------------------------------------------------------
// Time

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------
// Settings of one scenario

/** A positive integer from the environment variable `name` (BENCH_*_COUNT), or `fallback` when unset. */
export function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Server child processes

/** Lines of a server's output kept for error messages. */
const OUTPUT_LINES = 500;

/** Every server still running, so a signal or an error can stop them all. */
const running = new Set<ServerProcess>();

/** Starts a server as a child process that a signal, an error or the exit of the bench stops. */
export function startServer(options: Omit<ServerProcessOptions, 'keepLines'>): ServerProcess {
  return tracked(new ServerProcess({ ...options, keepLines: OUTPUT_LINES }));
}

/** Puts a started server under the clean-up of installCleanupHandlers until it exits. */
export function tracked(server: ServerProcess): ServerProcess {
  running.add(server);
  void server.waitForExit().then(() => running.delete(server));
  return server;
}

/** Stops every server still running (in parallel). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

/**
 * SIGINT / SIGTERM stop the servers and exit 130 / 143; a second signal kills them at once. When the
 * process exits any other way with servers still up, they get SIGKILL.
 */
export function installCleanupHandlers(log: (message: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    if (stopping) {
      for (const server of running) server.killNow();
      process.exit(code);
    }
    stopping = true;
    log(`${signal}: stopping ${running.size} server(s)`);
    void stopAllServers().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const server of running) server.killNow();
  });
}

// ---------------------------------------------------------------------------------------------------------
// /proc readings

/** Resident set size of a process in MiB (VmRSS of /proc/<pid>/status). */
export async function readRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

let clockTicks: number | undefined;

function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system, all threads) a process used so far, in seconds (/proc/<pid>/stat). */
export async function readCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3, the state.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicksPerSecond();
}

/**
 * CPU time the whole machine spent busy so far (every CPU, everything but idle and iowait), in seconds
 * (/proc/stat): compared with a server's and the loader's CPU over a run, it shows what else ran.
 */
export async function readMachineBusySeconds(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8');
  const fields = (stat.split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond();
}

/** The data stores the servers use, by process name (/proc/<pid>/stat), for their share of the CPU. */
export const DATA_STORE_COMMANDS = ['postgres', 'redis-server'];

/** CPU ticks used so far by every process whose command name is one of `commands`, per pid. */
export async function readCpuTicksByPid(commands: string[]): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (!commands.includes(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

/**
 * CPU seconds used between two readCpuTicksByPid readings: processes that started in between count
 * whole, processes that ended in between are missed.
 */
export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, value] of after) ticks += value - (before.get(pid) ?? 0);
  return ticks / clockTicksPerSecond();
}

// ---------------------------------------------------------------------------------------------------------
// Load

export interface LoadOptions {
  url: string;
  durationSec: number;
  connections: number;
  pipelining: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * One body per connection instead of `body`: connection i (in the order autocannon creates them)
   * sends bodies[i % bodies.length] for the whole run, e.g. one user's credentials per connection.
   */
  bodies?: string[];
}

/** Percentiles in milliseconds over every response of a run. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Completed requests per second, averaged over the run's one-second samples (autocannon). */
  requestsPerSec: number;
  completed: number;
  durationSec: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  bytesPerResponse: number;
  latency: LatencySummary;
  /** CPU seconds the load generator (this process) used during the run. */
  loaderCpuSec: number;
}

/** A growable buffer of doubles: cheaper per response than pushing onto a number[]. */
class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/** Nearest-rank percentile of ascending values (0 when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

function summarize(samples: Samples): LatencySummary {
  const sorted = samples.sorted();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    mean: sorted.length > 0 ? sum / sorted.length : 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
  };
}

/**
 * One autocannon run. Latency percentiles come from every response's own time (sub-millisecond),
 * not from autocannon's histogram, which has integer-millisecond resolution and no p95.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const samples = new Samples();
  const cpuBefore = process.cpuUsage();
  const { bodies } = options;
  let clients = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: options.pipelining,
    duration: options.durationSec,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    setupClient:
      bodies && bodies.length > 0
        ? (client) => client.setBody(bodies[clients++ % bodies.length] ?? '')
        : undefined,
  });
  instance.on('response', (_client, _statusCode, _bytes, responseTime) => samples.push(responseTime));
  const result: AutocannonResult = await instance;
  const cpu = process.cpuUsage(cpuBefore);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    requestsPerSec: result.requests.average,
    completed: result.requests.total ?? samples.length,
    durationSec: result.duration,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    statusCodes,
    bytesPerResponse: samples.length > 0 ? (result.throughput.total ?? 0) / samples.length : 0,
    latency: summarize(samples),
    loaderCpuSec: (cpu.user + cpu.system) / 1e6,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measuring one server

export interface TargetResult {
  name: string;
  url: string;
  load: LoadResult;
  rssAfterWarmupMiB: number;
  rssAfterRunMiB: number;
  /** CPU seconds the server used during the measured run. */
  serverCpuSec: number;
  /** CPU seconds the whole machine was busy during the measured run (all processes, all CPUs). */
  machineCpuSec: number;
  /** CPU seconds the local PostgreSQL and Redis processes used during the measured run. */
  dataStoresCpuSec: number;
}

/** Warm-up run (discarded), RSS, measured run with the server's CPU time, RSS again. */
export async function measureServer(
  server: ServerProcess,
  request: Omit<LoadOptions, 'url' | 'durationSec' | 'connections' | 'pipelining'> & { path: string },
  settings: BenchSettings,
): Promise<TargetResult> {
  const { path, ...rest } = request;
  const base = {
    ...rest,
    url: `${server.url}${path}`,
    connections: settings.connections,
    pipelining: settings.pipelining,
  };
  settings.log(`${server.name}: warm-up ${settings.warmupSec} s (discarded)`);
  await runLoad({ ...base, durationSec: settings.warmupSec });
  const rssAfterWarmupMiB = await readRssMiB(server.pid);
  settings.log(`${server.name}: measuring ${settings.durationSec} s`);
  const cpuBefore = await readCpuSeconds(server.pid);
  const machineBefore = await readMachineBusySeconds();
  const dataStoresBefore = await readCpuTicksByPid(DATA_STORE_COMMANDS);
  const load = await runLoad({ ...base, durationSec: settings.durationSec });
  const dataStoresCpuSec = cpuSecondsBetween(dataStoresBefore, await readCpuTicksByPid(DATA_STORE_COMMANDS));
  const machineCpuSec = (await readMachineBusySeconds()) - machineBefore;
  const serverCpuSec = (await readCpuSeconds(server.pid)) - cpuBefore;
  const rssAfterRunMiB = await readRssMiB(server.pid);
  return {
    name: server.name,
    url: base.url,
    load,
    rssAfterWarmupMiB,
    rssAfterRunMiB,
    serverCpuSec,
    machineCpuSec,
    dataStoresCpuSec,
  };
}

/** CPU seconds over a target's measured run (the server's, or the data stores') per response, in µs. */
export function microsPerRequest(cpuSec: number, target: TargetResult): number {
  return target.load.completed > 0 ? (cpuSec / target.load.completed) * 1e6 : 0;
}

/** Failures that make a target's numbers meaningless: transport errors, timeouts, non-2xx, no traffic. */
export function loadFailures(target: TargetResult): string[] {
  const { load } = target;
  const failures: string[] = [];
  if (load.errors > 0) failures.push(`${target.name}: ${load.errors} request errors`);
  if (load.timeouts > 0) failures.push(`${target.name}: ${load.timeouts} timeouts`);
  if (load.non2xx > 0) {
    failures.push(`${target.name}: ${load.non2xx} non-2xx responses (${JSON.stringify(load.statusCodes)})`);
  }
  if (load.latency.count === 0) failures.push(`${target.name}: no responses at all`);
  return failures;
}

// ---------------------------------------------------------------------------------------------------------
// A change made on one process, watched on another (flags, rollouts)

/** The answer's body as a JSON object; undefined when it is not one. */
export function jsonObjectOf(answer: HttpResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(answer.body);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Headers of an OFREP request as an SDK sends it, authenticated with an SDK key. */
export function ofrepHeaders(sdkKey: string): Record<string, string> {
  return { authorization: `Bearer ${sdkKey}`, 'content-type': 'application/json' };
}

/** A request a process answers, repeated until its answer shows the change. */
export interface Watch {
  url: string;
  headers: Record<string, string>;
  body: string;
  shows(answer: HttpResponse): boolean;
}

/** How long to watch for a change, and the pause between two polls (each on a new connection). */
export interface WatchLimits {
  timeoutMs: number;
  pollIntervalMs: number;
}

export interface Sighting {
  /** performance.now() when the first answer showing the change arrived; undefined: not within the limit. */
  seenAt: number | undefined;
  roundTrips: number[];
  errors: number;
}

/** Polls `target` (POST) until an answer shows the change, `deadline` (performance.now()) passes or `stop`. */
export async function watch(
  target: Watch,
  deadline: number,
  stop: { stopped: boolean },
  pollIntervalMs: number,
): Promise<Sighting> {
  const roundTrips: number[] = [];
  let errors = 0;
  while (!stop.stopped && performance.now() < deadline) {
    const sentAt = performance.now();
    try {
      const answer = await httpRequest(target.url, {
        method: 'POST',
        headers: target.headers,
        body: target.body,
        timeoutMs: 1_000,
      });
      const answeredAt = performance.now();
      roundTrips.push(answeredAt - sentAt);
      if (target.shows(answer)) return { seenAt: answeredAt, roundTrips, errors };
    } catch {
      errors += 1;
    }
    await sleep(pollIntervalMs);
  }
  return { seenAt: undefined, roundTrips, errors };
}

export interface ChangeTiming {
  /** Request start → the commit's answer. */
  commitMs: number;
  /** Request start → the watched process's first answer showing the change (undefined: not within the limit). */
  fromStartMs: number | undefined;
  /** The commit's answer → the first answer showing it; 0 when it showed before the commit's answer arrived. */
  fromAnswerMs: number | undefined;
  servedBeforeAnswer: boolean;
  roundTrips: number[];
  pollErrors: number;
}

/**
 * Runs `commit` on one process while `target` (on another) is polled from the same instant, so that a
 * change served before the commit's answer arrives is seen too. Times are those of the answers: the
 * value changed at most one poll (interval + round trip) earlier.
 */
export async function timeChange(
  commit: () => Promise<unknown>,
  target: Watch,
  limits: WatchLimits,
): Promise<ChangeTiming> {
  const stop = { stopped: false };
  const startedAt = performance.now();
  const sighting = watch(target, startedAt + limits.timeoutMs, stop, limits.pollIntervalMs);
  let answeredAt: number;
  try {
    await commit();
    answeredAt = performance.now();
  } catch (error) {
    stop.stopped = true;
    await sighting;
    throw error;
  }
  const { seenAt, roundTrips, errors } = await sighting;
  return {
    commitMs: answeredAt - startedAt,
    fromStartMs: seenAt === undefined ? undefined : seenAt - startedAt,
    fromAnswerMs: seenAt === undefined ? undefined : Math.max(0, seenAt - answeredAt),
    servedBeforeAnswer: seenAt !== undefined && seenAt < answeredAt,
    roundTrips,
    pollErrors: errors,
  };
}

/** Nearest-rank percentiles of a handful of timings (ms). */
export interface Spread {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function spreadOf(values: number[]): Spread {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
  };
}

/** The timings whose change was seen, by one of the two clocks. */
export function seen(timings: ChangeTiming[], field: 'fromStartMs' | 'fromAnswerMs'): number[] {
  return timings.flatMap((timing) => (timing[field] === undefined ? [] : [timing[field]]));
}

// ---------------------------------------------------------------------------------------------------------
// Output

export function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}

export function passFail(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}

/** The memory target for the API process under load (RSS after a measured run). */
const AIM_API_RSS_MIB = 200;

/** `target check: <what> <value> (aim <aim>): PASS|FAIL`, the line the run's recap collects. */
export function targetCheck(what: string, value: string, aim: string, pass: boolean): string {
  return `target check: ${what} ${value} (aim ${aim}): ${passFail(pass)}`;
}

/** The API's RSS after a measured run against the memory target. */
export function apiRssCheck(run: string, target: TargetResult): string {
  return targetCheck(
    `API RSS after the ${run} run`,
    `${fixed(target.rssAfterRunMiB, 0)} MiB`,
    `< ${AIM_API_RSS_MIB} MiB`,
    target.rssAfterRunMiB < AIM_API_RSS_MIB,
  );
}

/** Several measured rounds of one target, summed up. */
export interface RoundsSummary {
  meanRequestsPerSec: number;
  /** The mean of the rounds' exact percentiles. */
  meanP50: number;
  meanP99: number;
  /** Server CPU time over all the rounds / their responses, in µs. */
  cpuMicrosPerRequest: number;
  dataStoresMicrosPerRequest: number;
}

export function mean(values: number[]): number {
  return values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}

/** The rounds of one target that a scenario alternated with another's, as one figure each. */
export function summarizeRounds(rounds: readonly TargetResult[]): RoundsSummary {
  const completed = rounds.reduce((sum, round) => sum + round.load.completed, 0);
  const perRequest = (cpuSec: number): number => (completed > 0 ? (cpuSec / completed) * 1e6 : 0);
  return {
    meanRequestsPerSec: mean(rounds.map((round) => round.load.requestsPerSec)),
    meanP50: mean(rounds.map((round) => round.load.latency.p50)),
    meanP99: mean(rounds.map((round) => round.load.latency.p99)),
    cpuMicrosPerRequest: perRequest(rounds.reduce((sum, round) => sum + round.serverCpuSec, 0)),
    dataStoresMicrosPerRequest: perRequest(rounds.reduce((sum, round) => sum + round.dataStoresCpuSec, 0)),
  };
}

/** Rows of cells as an aligned table: first column left-aligned, the rest right-aligned. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The standard per-target table: throughput, latency, errors, memory, CPU. */
export function targetTable(targets: TargetResult[]): string {
  const header = [
    'target',
    'req/s',
    'requests',
    'p50 ms',
    'p90 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'errors',
    'non-2xx',
    'B/resp',
    'RSS warm MiB',
    'RSS end MiB',
    'server CPU',
    'loader CPU',
  ];
  const rows = targets.map((target) => {
    const { load } = target;
    const seconds = load.durationSec || 1;
    return [
      target.name,
      fixed(load.requestsPerSec, 0),
      String(load.completed),
      fixed(load.latency.p50),
      fixed(load.latency.p90),
      fixed(load.latency.p95),
      fixed(load.latency.p99),
      fixed(load.latency.max),
      String(load.errors + load.timeouts),
      String(load.non2xx),
      fixed(load.bytesPerResponse, 0),
      fixed(target.rssAfterWarmupMiB, 1),
      fixed(target.rssAfterRunMiB, 1),
      `${fixed((target.serverCpuSec / seconds) * 100, 0)}%`,
      `${fixed((load.loaderCpuSec / seconds) * 100, 0)}%`,
    ];
  });
  return formatTable(header, rows);
}

/** CPU of processes other than the API, the loader and the data stores that makes a run suspect (%). */
export const OTHER_CPU_WARNING_PERCENT = 20;

/** Per target: how the machine's CPU split between the API, the loader, the data stores and anything else. */
export function cpuLines(targets: TargetResult[]): string[] {
  const lines: string[] = [];
  for (const target of targets) {
    const seconds = target.load.durationSec || 1;
    const share = (cpuSec: number): number => (cpuSec / seconds) * 100;
    const others = share(
      target.machineCpuSec - target.serverCpuSec - target.load.loaderCpuSec - target.dataStoresCpuSec,
    );
    lines.push(
      `CPU during ${target.name}: machine ${fixed(share(target.machineCpuSec), 0)}% of ` +
        `${os.availableParallelism() * 100}% = server ${fixed(share(target.serverCpuSec), 0)}% + loader ` +
        `${fixed(share(target.load.loaderCpuSec), 0)}% + PostgreSQL/Redis ` +
        `${fixed(share(target.dataStoresCpuSec), 0)}% + other processes ${fixed(Math.max(0, others), 0)}%`,
    );
    if (others > OTHER_CPU_WARNING_PERCENT) {
      lines.push(
        `warning: other processes took ${fixed(others, 0)}% CPU during ${target.name}: its numbers are ` +
          'lower than this machine can do (run again on a quiet machine).',
      );
    }
  }
  return lines;
}
