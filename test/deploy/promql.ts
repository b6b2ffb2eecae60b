// What the specs of the Prometheus rules and the Grafana dashboards share: running promtool, and naming
// the metrics a PromQL expression reads. promtool comes from Debian's `prometheus` package (2.42), so
// the rules and panels may use only what PromQL 2.42 knows.
import { spawn } from 'node:child_process';
import { EXPORTED_METRICS } from '../support/exported-metrics';

export const PROMTOOL_MISSING =
  "promtool is not installed: install Debian's `prometheus` package (`apt-get install -y prometheus`, " +
  'which provides /usr/bin/promtool; .ci/run does this). The alert rules and dashboards cannot be ' +
  'checked without it.';

export interface ToolResult {
  /** The exit code; null when a signal ended the process. */
  status: number | null;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

/** Runs a command to completion. Fails with `missing` when the command is not installed. */
export function run(command: string, args: string[], options: { cwd?: string; missing?: string } = {}) {
  return new Promise<ToolResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' && options.missing ? new Error(options.missing) : error),
    );
    child.on('close', (status) => resolve({ status, output }));
  });
}

export function promtool(args: string[], cwd?: string): Promise<ToolResult> {
  return run('promtool', args, { cwd, missing: PROMTOOL_MISSING });
}

/** Fails, with the tool's whole output, unless it exited 0 and printed `marker`. */
export function expectSuccess({ status, output }: ToolResult, marker = 'SUCCESS'): void {
  if (status !== 0 || !output.includes(marker)) {
    throw new Error(`expected exit code 0 and "${marker}", got exit code ${status}:\n${output}`);
  }
}

// PromQL's functions (as of Prometheus 2.42), aggregation operators and keywords: identifiers in an
// expression that are not metric names.
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'cos',
  'cosh',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'deg',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantile',
  'histogram_sum',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'pi',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rad',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sin',
  'sinh',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'tan',
  'tanh',
  'time',
  'timestamp',
  'vector',
  'year',
]);
// Case-insensitive in PromQL, compared in lower case.
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
]);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);

/**
 * The metric names an expression reads: the identifiers left once strings, label matchers (`{...}`),
 * ranges (`[5m]`), label lists (`by (job)`, `on (job)`, `group_left (a)`) and numbers and durations are
 * taken out, minus functions, aggregations and keywords. Good enough for the expressions of this
 * repository's rules and dashboards; not a PromQL parser (promtool checks the syntax).
 */
export function metricNames(expr: string): string[] {
  const rest = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/#.*$/gm, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const [token] of rest.matchAll(/[0-9][0-9a-zA-Z_.]*|[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (/^[0-9]/.test(token)) continue;
    const lower = token.toLowerCase();
    if (FUNCTIONS.has(token) || AGGREGATIONS.has(lower) || KEYWORDS.has(lower)) continue;
    names.add(token);
  }
  return [...names];
}

/**
 * Whether `name` is a series the apps export: a metric of EXPORTED_METRICS, or a histogram's
 * `_bucket`, `_sum` or `_count` series.
 */
export function isExported(name: string): boolean {
  if (Object.hasOwn(EXPORTED_METRICS, name)) return true;
  const histogram = /^(.+)_(?:bucket|sum|count)$/.exec(name)?.[1];
  if (histogram === undefined || !Object.hasOwn(EXPORTED_METRICS, histogram)) return false;
  return EXPORTED_METRICS[histogram as keyof typeof EXPORTED_METRICS].type === 'histogram';
}

/**
 * Series Prometheus makes itself for every target, which rules and dashboards may read although no app
 * exports them (`up`: whether the last scrape succeeded).
 */
export const SCRAPE_SERIES: readonly string[] = ['up'];
