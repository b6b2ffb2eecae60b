import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { FlagUsageRepository } from '@rampart/db';
import type { EvaluationResult } from '@rampart/flag-evaluation';
import { Metrics, innerMap } from '@rampart/observability';
import type { Counter } from 'prom-client';
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

  /**
   * Evaluations not yet added to `flag_evaluations_total`, by flag, variant and reason. prom-client's
   * inc() validates the labels and builds and hashes a string of them each time: for a bulk
   * evaluation of 20 flags, a tenth of its CPU. These maps are keyed by the flag set's own strings,
   * so counting builds no string; the sums go into the counter whenever it is read (its collect).
   */
  private uncounted = new Map<string, Map<string, Map<string, number>>>();
  private readonly evaluations: Counter<'flag' | 'variant' | 'reason'>;

  constructor(
    private readonly usage: FlagUsageRepository,
    private readonly exposures: ExposureTally,
    metrics: Metrics,
  ) {
    this.evaluations = metrics.counter({
      name: 'flag_evaluations_total',
      help: 'Flag evaluations served, by flag key, variant and OpenFeature reason.',
      labelNames: ['flag', 'variant', 'reason'],
      collect: () => this.addUncounted(),
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
      this.count(found ? result.key : UNKNOWN_FLAG_LABEL, result.variant ?? '', result.reason);
    }
  }

  private count(flag: string, variant: string, reason: string): void {
    const byReason = innerMap(innerMap(this.uncounted, flag), variant);
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }

  private addUncounted(): void {
    const uncounted = this.uncounted;
    this.uncounted = new Map();
    for (const [flag, byVariant] of uncounted) {
      for (const [variant, byReason] of byVariant) {
        for (const [reason, n] of byReason) this.evaluations.inc({ flag, variant, reason }, n);
      }
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
