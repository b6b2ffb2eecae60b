import { Injectable } from '@nestjs/common';
import { Metrics } from '@rampart/observability';
import { RATE_LIMIT_TIERS, type RateLimitTier } from './rate-limit.tiers';

/** `rate_limit_block_total{tier}`: requests refused with 429, per tier, since the process started. */
@Injectable()
export class RateLimitMetrics {
  private readonly blocks;

  constructor(metrics: Metrics) {
    this.blocks = metrics.counter({
      name: 'rate_limit_block_total',
      help: 'Requests refused with 429 by the rate limiter, by tier.',
      labelNames: ['tier'],
    });
    // Every tier from zero, so a first block is a visible increase rather than a new series.
    for (const tier of RATE_LIMIT_TIERS) this.blocks.inc({ tier }, 0);
  }

  record(tier: RateLimitTier): void {
    this.blocks.inc({ tier });
  }

  /** The counts per tier, as the scrape shows them. */
  async snapshot(): Promise<Record<RateLimitTier, number>> {
    const { values } = await this.blocks.get();
    return Object.fromEntries(
      RATE_LIMIT_TIERS.map((tier) => [tier, values.find((value) => value.labels.tier === tier)?.value ?? 0]),
    ) as Record<RateLimitTier, number>;
  }
}
