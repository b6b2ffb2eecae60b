import { Injectable } from '@nestjs/common';
import { Metrics } from '@rampart/observability';
import { ROLLOUT_DECISIONS, type RolloutDecision } from '@rampart/rollout-guardrails';
import { PROMETHEUS_QUERY_ERROR_REASONS, type PrometheusQueryErrorReason } from './prometheus-answer';

/**
 * The worker's rollout evaluation (job `rollouts.evaluate`):
 * - `rollout_decisions_total{decision}`: decisions the worker applied. One another writer made first
 *   (stale) is not counted, nor a `continue` that changed nothing: a `continue` counts only when it
 *   recorded a change of guardrail state (a breach starting or ending), so the rate of `continue` is the
 *   rate of guardrail state changes rather than of evaluation runs;
 * - `rollout_rollbacks_total`: automatic rollbacks applied (also in the above, kept apart to alert on);
 * - `rollout_evaluation_errors_total`: rollouts whose evaluation threw;
 * - `rollouts_running`: running rollouts seen at the last evaluation run;
 * - `rollout_guardrail_query_errors_total{reason}`: instant queries of prometheus guardrails that gave
 *   no figure (timeout, unreachable, refused, several_series, unexpected_result). An empty answer is
 *   no data, not an error, and is not counted.
 */
@Injectable()
export class RolloutEvaluationMetrics {
  private readonly decisions;
  private readonly rollbacks;
  private readonly errors;
  private readonly running;
  private readonly queryErrors;

  constructor(metrics: Metrics) {
    this.decisions = metrics.counter({
      name: 'rollout_decisions_total',
      help: 'Rollout decisions the worker applied, by decision.',
      labelNames: ['decision'],
    });
    this.rollbacks = metrics.counter({
      name: 'rollout_rollbacks_total',
      help: 'Rollouts the worker rolled back automatically.',
    });
    this.errors = metrics.counter({
      name: 'rollout_evaluation_errors_total',
      help: 'Rollouts whose evaluation by the worker failed with an error.',
    });
    this.running = metrics.gauge({
      name: 'rollouts_running',
      help: 'Running rollouts seen at the last evaluation run.',
    });
    this.queryErrors = metrics.counter({
      name: 'rollout_guardrail_query_errors_total',
      help: 'Instant queries of prometheus rollout guardrails that gave no figure, by reason.',
      labelNames: ['reason'],
    });
    for (const reason of PROMETHEUS_QUERY_ERROR_REASONS) this.queryErrors.inc({ reason }, 0);
    // Every decision from zero, so a first rollback is a visible increase rather than a new series.
    for (const decision of ROLLOUT_DECISIONS) this.decisions.inc({ decision }, 0);
    this.rollbacks.inc(0);
    this.errors.inc(0);
  }

  recordApplied(decision: RolloutDecision): void {
    this.decisions.inc({ decision });
    if (decision === 'rollback') this.rollbacks.inc();
  }

  recordError(): void {
    this.errors.inc();
  }

  recordQueryError(reason: PrometheusQueryErrorReason): void {
    this.queryErrors.inc({ reason });
  }

  recordRunning(count: number): void {
    this.running.set(count);
  }
}
