import { Injectable } from '@nestjs/common';
import { RATE_LIMIT_TIERS, type RateLimitTier } from './rate-limit.tiers';

/**
 * Requests refused with 429, per tier, since the process started. In memory for now: the
 * Prometheus endpoint comes with a later issue and will read snapshot().
 */
@Injectable()
export class RateLimitMetrics {
  private readonly blocked = new Map<RateLimitTier, number>(RATE_LIMIT_TIERS.map((tier) => [tier, 0]));

  record(tier: RateLimitTier): void {
    this.blocked.set(tier, (this.blocked.get(tier) ?? 0) + 1);
  }

  snapshot(): Record<RateLimitTier, number> {
    return Object.fromEntries(this.blocked) as Record<RateLimitTier, number>;
  }
}
