/**
 * What an instant query's answer (`GET /api/v1/query`) means to a guardrail: one number, no data, or
 * an answer it cannot use. Pure, so every shape Prometheus can answer with is unit-tested; the HTTP
 * side is in prometheus-guardrails.ts.
 */

/** Why a query gave no figure, as counted in `rollout_guardrail_query_errors_total{reason}`. */
export const PROMETHEUS_QUERY_ERROR_REASONS = [
  /** No answer within ROLLOUT_PROMETHEUS_TIMEOUT_MS. */
  'timeout',
  /** No HTTP answer at all: connection refused, DNS, TLS. */
  'unreachable',
  /** Prometheus answered with an error: a query it cannot parse or run, or a 5xx. */
  'refused',
  /** A vector of several series: the query must aggregate to one figure per variant. */
  'several_series',
  /** Anything else: a matrix or a string, a body that is not Prometheus's JSON. */
  'unexpected_result',
] as const;
export type PrometheusQueryErrorReason = (typeof PROMETHEUS_QUERY_ERROR_REASONS)[number];

export type PrometheusAnswer =
  | { kind: 'value'; value: number }
  | { kind: 'no_data' }
  | { kind: 'error'; reason: PrometheusQueryErrorReason; message: string };

/** Long enough for Prometheus's parse errors, short enough for a line of evidence. */
const MAX_MESSAGE_LENGTH = 300;

export function queryError(reason: PrometheusQueryErrorReason, message: string): PrometheusAnswer {
  return { kind: 'error', reason, message: message.slice(0, MAX_MESSAGE_LENGTH) };
}

/** Prometheus writes sample values as strings, with Go's spellings of the special values. */
export function sampleValue(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? null : value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The [time, "value"] pair of a scalar or of a vector's sample. */
function pairValue(pair: unknown): PrometheusAnswer {
  const value = Array.isArray(pair) ? sampleValue(pair[1]) : null;
  return value === null
    ? queryError('unexpected_result', 'a sample without a numeric value')
    : { kind: 'value', value };
}

/** The answer's HTTP status and parsed JSON body (undefined when it was not JSON). */
export function readInstantAnswer(status: number, body: unknown): PrometheusAnswer {
  if (!isRecord(body)) {
    return status >= 400
      ? queryError('refused', `Prometheus answered HTTP ${status}`)
      : queryError('unexpected_result', 'the answer is not Prometheus API JSON');
  }
  if (body.status !== 'success') {
    const detail = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
    return queryError('refused', `Prometheus refused the query: ${detail}`);
  }
  const data = body.data;
  if (!isRecord(data)) return queryError('unexpected_result', 'the answer has no data');
  if (data.resultType === 'scalar') return pairValue(data.result);
  if (data.resultType !== 'vector') {
    return queryError(
      'unexpected_result',
      `the query returned a ${String(data.resultType)}, not a vector or a scalar (drop the range selector or aggregate it)`,
    );
  }
  const result = Array.isArray(data.result) ? data.result : [];
  if (result.length === 0) return { kind: 'no_data' };
  if (result.length > 1) {
    return queryError(
      'several_series',
      `query must return one series, it returned ${result.length}: aggregate it (sum, max, ...)`,
    );
  }
  const sample: unknown = result[0];
  return pairValue(isRecord(sample) ? sample.value : undefined);
}
