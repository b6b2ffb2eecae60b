// Guardrail telemetry in Redis: the write side (batches from the guarded services, exposures from
// Rampart's own evaluations) and the read side the worker feeds to the rollout-guardrails lib.
export { GuardrailTelemetryModule } from './guardrail-telemetry.module';
export {
  BATCH_ID_TTL_MS,
  BUCKET_MS,
  BUCKET_TTL_MS,
  MAX_INSTANCES_PER_BUCKET,
  MAX_READ_SPAN_MS,
  bucketStart,
} from './telemetry-layout';
export type { ExposureCount, RecordOutcome, TelemetryBatch, TelemetryReport } from './telemetry-report';
export { TelemetryStore, type VariantBucket } from './telemetry-store';
