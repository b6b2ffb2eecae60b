import { Injectable } from '@nestjs/common';
import { Metrics } from '@rampart/observability';

export const TELEMETRY_BATCH_OUTCOMES = ['accepted', 'duplicate', 'refused'] as const;
export type TelemetryBatchOutcome = (typeof TELEMETRY_BATCH_OUTCOMES)[number];

/**
 * `guardrail_telemetry_batches_total{outcome}`: batches that reached the endpoint with a valid SDK
 * key, by what became of them. `refused` is a client key, a body that does not validate or reports
 * outside the accepted time range; requests refused before (401, 413, 429) are in the HTTP metrics.
 */
@Injectable()
export class TelemetryMetrics {
  private readonly batches;

  constructor(metrics: Metrics) {
    this.batches = metrics.counter({
      name: 'guardrail_telemetry_batches_total',
      help: 'Guardrail telemetry batches received, by outcome (accepted, duplicate, refused).',
      labelNames: ['outcome'],
    });
    // Every outcome from zero, so a first refusal is a visible increase rather than a new series.
    for (const outcome of TELEMETRY_BATCH_OUTCOMES) this.batches.inc({ outcome }, 0);
  }

  record(outcome: TelemetryBatchOutcome): void {
    this.batches.inc({ outcome });
  }
}
