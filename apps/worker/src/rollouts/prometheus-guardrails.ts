import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '@rampart/config';
import {
  type ExternalReadings,
  type Guardrail,
  type PrometheusGuardrail,
  type PrometheusReading,
  type PrometheusReadings,
  prometheusSpans,
  renderPromql,
  SECOND_MS,
  usesWindow,
} from '@rampart/rollout-guardrails';
import { type PrometheusAnswer, queryError, readInstantAnswer } from './prometheus-answer';
import { RolloutEvaluationMetrics } from './rollout-evaluation.metrics';

/** The rollout whose variants the queries are about. */
export interface QueriedRollout {
  flagKey: string;
  targetVariant: string;
  controlVariant: string;
}

export interface PrometheusEndpoint {
  /** `<base>/api/v1/query`, without credentials (fetch refuses a URL with them). */
  queryUrl: string;
  headers: Record<string, string>;
}

/** Basic-auth credentials in the configured URL become a header; the URL used never carries them. */
export function prometheusEndpoint(base: string): PrometheusEndpoint {
  const url = new URL(base);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { queryUrl: `${url.toString().replace(/\/+$/, '')}/api/v1/query`, headers };
}

const noData = (error: string): PrometheusReading => ({ value: null, samples: null, error });

/**
 * The figures of a stage's prometheus guardrails: each guardrail's query (and samplesQuery) rendered
 * for the target and the control, over its window and over the stage (prometheusSpans), and run as
 * instant queries at `now` against ROLLOUT_PROMETHEUS_URL, all at once. Any failure is a reading
 * without a figure (insufficient, never breaching) and is counted by reason.
 */
@Injectable()
export class PrometheusGuardrails {
  private readonly logger = new Logger(PrometheusGuardrails.name);
  private readonly endpoint: PrometheusEndpoint | null;
  private readonly timeoutMs: number;
  private warnedUnconfigured = false;

  constructor(
    config: WorkerConfig,
    private readonly metrics: RolloutEvaluationMetrics,
  ) {
    this.endpoint =
      config.rolloutPrometheus.url === null ? null : prometheusEndpoint(config.rolloutPrometheus.url);
    this.timeoutMs = config.rolloutPrometheus.timeoutMs;
  }

  /** Readings by guardrail id for evaluateRollout; {} when the stage has no prometheus guardrail. */
  async read(
    rollout: QueriedRollout,
    guardrails: readonly Guardrail[],
    stageStartedAt: number,
    now: number,
  ): Promise<ExternalReadings> {
    const queried = guardrails.filter(
      (guardrail): guardrail is PrometheusGuardrail => guardrail.kind === 'prometheus',
    );
    if (queried.length === 0) return {};
    const entries = await Promise.all(
      queried.map(async (guardrail) => {
        const spans = prometheusSpans(guardrail, stageStartedAt, now);
        const window = await this.readSpan(rollout, guardrail, spans.window.to - spans.window.from, now);
        // Without {{window}} the figure is the same for any span: the evaluator reuses the window's.
        const stage = usesWindow(guardrail.query)
          ? await this.readSpan(rollout, guardrail, spans.stage.to - spans.stage.from, now)
          : undefined;
        return [guardrail.id, stage === undefined ? { window } : { window, stage }] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  private async readSpan(
    rollout: QueriedRollout,
    guardrail: PrometheusGuardrail,
    spanMs: number,
    now: number,
  ): Promise<PrometheusReadings> {
    const [target, control] = await Promise.all(
      [rollout.targetVariant, rollout.controlVariant].map((variant) =>
        this.readVariant(guardrail, { flag: rollout.flagKey, variant, windowMs: spanMs }, now),
      ),
    );
    return { target: target!, control: control! };
  }

  private async readVariant(
    guardrail: PrometheusGuardrail,
    values: { flag: string; variant: string; windowMs: number },
    now: number,
  ): Promise<PrometheusReading> {
    if (this.endpoint === null) {
      if (!this.warnedUnconfigured) {
        this.warnedUnconfigured = true;
        this.logger.warn(
          'a running rollout has prometheus guardrails, but ROLLOUT_PROMETHEUS_URL is not set',
        );
      }
      return noData('ROLLOUT_PROMETHEUS_URL is not set on the worker');
    }
    // A range shorter than a second cannot be written in PromQL, and a longer one would reach before the stage.
    if (values.windowMs < SECOND_MS && usesWindow(guardrail.query)) {
      return noData('the stage is less than a second old');
    }
    const [value, samples] = await Promise.all([
      this.query(renderPromql(guardrail.query, values), now),
      guardrail.samplesQuery === undefined
        ? Promise.resolve(null)
        : this.query(renderPromql(guardrail.samplesQuery, values), now),
    ]);
    const failed = [
      value.kind === 'error' ? value.message : null,
      samples?.kind === 'error' ? `samples query: ${samples.message}` : null,
    ].filter((message): message is string => message !== null);
    const reading: PrometheusReading = {
      value: value.kind === 'value' ? value.value : null,
      samples: samples?.kind === 'value' ? samples.value : null,
    };
    return failed.length > 0 ? { ...reading, error: failed.join('; ') } : reading;
  }

  /** One instant query at `now`; never throws: a failure is an answer (see prometheus-answer.ts). */
  private async query(expression: string, now: number): Promise<PrometheusAnswer> {
    const { queryUrl, headers } = this.endpoint!;
    const url = `${queryUrl}?${new URLSearchParams({ query: expression, time: (now / 1_000).toFixed(3) }).toString()}`;
    let answer: PrometheusAnswer;
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      answer = readInstantAnswer(response.status, body);
    } catch (error) {
      // Neither the URL nor the headers go into the message: the URL may carry credentials.
      answer =
        error instanceof DOMException && error.name === 'TimeoutError'
          ? queryError('timeout', `Prometheus did not answer within ${this.timeoutMs} ms`)
          : queryError('unreachable', `Prometheus is unreachable (${causeOf(error)})`);
    }
    if (answer.kind === 'error') this.metrics.recordQueryError(answer.reason);
    return answer;
  }
}

/** The network error's code (ECONNREFUSED, ENOTFOUND), not its message, which may quote the host. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown error';
}
