import { Injectable } from '@nestjs/common';
import type { ReadinessObserver } from '@rampart/http';
import { Metrics } from './metrics';

/**
 * `readiness_check_up{check}`: 1 when the check passed the last time readiness ran, 0 when it did
 * not. Set by each run of an app's readiness route (pass this as its observer), so the series
 * exist from the first probe on: an orchestrator's probes keep them fresh.
 */
@Injectable()
export class ReadinessMetrics implements ReadinessObserver {
  private readonly up;

  constructor(metrics: Metrics) {
    this.up = metrics.gauge({
      name: 'readiness_check_up',
      help: 'Whether each readiness check passed the last time readiness ran (1) or not (0).',
      labelNames: ['check'],
    });
  }

  checked(up: Record<string, boolean>): void {
    for (const [check, passed] of Object.entries(up)) this.up.set({ check }, passed ? 1 : 0);
  }
}
