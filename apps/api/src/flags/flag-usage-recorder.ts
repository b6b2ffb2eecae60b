import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { FlagUsageRepository } from '@rampart/db';
import type { EvaluationResult } from '@rampart/flag-evaluation';
import { Metrics } from '@rampart/observability';
import { ExposureTally } from './exposure-tally';

/** How often evaluation times go to PostgreSQL: never per evaluation. */
const FLUSH_INTERVAL_MS = 60_000;

/** The `flag` label of an evaluation of a key the flag set does not have: callers' typos stay one series. */
export const UNKNOWN_FLAG_LABEL = '(not found)';

/**
 * What evaluations happened, kept cheaply:
 * - `flag_evaluations_total{flag,variant,reason}`: bounded, since the flag set's keys and variants
 *   are finite and known; keys it does not have count under one label;
 * - when each flag was last evaluated: a map in memory per process, written about once a minute
 *   (and at shutdown) for the stale-flag report. Losing a minute of it to a crash only makes a flag
 *   look unused a minute longer;
 * - the variant each evaluation served, for the rollout guardrails' exposures (ExposureTally: in
 *   memory, written about once a second).
 */
@Injectable()
export class FlagUsageRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(FlagUsageRecorder.name);
  private evaluated = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;

  private readonly evaluations;

  constructor(
    private readonly usage: FlagUsageRepository,
    private readonly exposures: ExposureTally,
    metrics: Metrics,
  ) {
    this.evaluations = metrics.counter({
      name: 'flag_evaluations_total',
      help: 'Flag evaluations served, by flag key, variant and OpenFeature reason.',
      labelNames: ['flag', 'variant', 'reason'],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(results: readonly EvaluationResult[]): void {
    const now = new Date();
    const at = now.getTime();
    for (const result of results) {
      const found = result.errorCode !== 'FLAG_NOT_FOUND';
      if (found) this.evaluated.set(result.key, now);
      if (result.errorCode === undefined && result.variant !== null) {
        this.exposures.add(result.key, result.variant, at);
      }
      this.evaluations.inc({
        flag: found ? result.key : UNKNOWN_FLAG_LABEL,
        variant: result.variant ?? '',
        reason: result.reason,
      });
    }
  }

  async flush(): Promise<void> {
    if (!this.evaluated.size) return;
    const evaluated = this.evaluated;
    this.evaluated = new Map();
    try {
      await this.usage.recordEvaluations(evaluated);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record flag evaluations');
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
