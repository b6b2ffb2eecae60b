/** What one process says one variant of one flag did during one 10-s bucket (already validated). */
export interface TelemetryReport {
  flag: string;
  variant: string;
  /** Any time in the bucket, ms since the epoch; stored under the 10-s bucket it falls in. */
  start: number;
  requests: number;
  errors: number;
  /** Counts per latency bucket (LATENCY_BUCKET_COUNT of them), adding up to `requests`. */
  latency: readonly number[];
  exceptions: number;
}

/** One batch as an SDK key sent it: its id is unique per key, so a retried batch counts once. */
export interface TelemetryBatch {
  /** The SDK key that sent it: batch ids are remembered per key, so keys cannot collide. */
  credentialId: string;
  batchId: string;
  /** The reporting process, for its memory peak. */
  instance: string;
  /** The process's peak resident memory during the batch's buckets, if it measured it. */
  memoryBytes?: number;
  reports: readonly TelemetryReport[];
}

export type RecordOutcome = 'accepted' | 'duplicate';

/** Evaluations Rampart served, per flag, variant and 10-s bucket. */
export interface ExposureCount {
  flag: string;
  variant: string;
  /** Any time in the bucket, ms since the epoch. */
  at: number;
  count: number;
}
