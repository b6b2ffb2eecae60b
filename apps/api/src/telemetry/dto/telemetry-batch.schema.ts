import { z } from 'zod';
import { keySchema } from '@rampart/flag-evaluation';
import { LATENCY_BUCKET_COUNT, MAX_REPORTS_PER_BATCH } from '@rampart/rollout-guardrails';

/** A ceiling per count of one 10-s bucket from one process, as the rollout lib's schema has. */
const MAX_COUNT = 1e9;
/** A process's resident memory: up to 1 PiB, the rollout lib's ceiling. */
const MAX_MEMORY_BYTES = 2 ** 50;

const countSchema = z.number().int().min(0).max(MAX_COUNT);

/** A time as an ISO 8601 string with an offset, or ms since the epoch; parsed to ms. */
const timeSchema = z
  .union([z.number().int().min(0).max(8.64e15), z.iso.datetime({ offset: true })])
  .transform((time) => (typeof time === 'number' ? time : Date.parse(time)));

const reportSchema = z
  .strictObject({
    flag: keySchema,
    variant: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a variant name: letters, digits, ".", "_", "-"'),
    /** Any time in the 10-s bucket the counts are for (its start, as clients send it). */
    start: timeSchema,
    requests: countSchema,
    errors: countSchema,
    latency: z.array(countSchema).length(LATENCY_BUCKET_COUNT),
    exceptions: countSchema,
  })
  .superRefine((report, issues) => {
    if (report.errors > report.requests) {
      issues.addIssue({ code: 'custom', path: ['errors'], message: 'must not exceed requests' });
    }
    const timed = report.latency.reduce((sum, count) => sum + count, 0);
    if (timed !== report.requests) {
      issues.addIssue({
        code: 'custom',
        path: ['latency'],
        message: `counts must add up to requests (${report.requests}), not ${timed}`,
      });
    }
  });

/**
 * `POST /v1/telemetry/batches`: what one process of a guarded service did since its previous batch,
 * per flag, variant and 10-s bucket (see docs/rollouts.md for the semantics and an example).
 */
export const telemetryBatchSchema = z.strictObject({
  /** Unique per batch; a retry sends the same id, and a batch id seen in the last day is not counted again. */
  batchId: z.uuid(),
  /** The process (pod, container) sending: its memory peak is kept per instance. */
  instance: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, ".", "_", ":" or "-"'),
  /** When the client sent it: for diagnostics only, times are those of the reports. */
  sentAt: timeSchema.optional(),
  reports: z.array(reportSchema).min(1).max(MAX_REPORTS_PER_BATCH),
  /** The process's peak resident memory over the batch's buckets. */
  memory: z.strictObject({ bytes: z.number().int().min(0).max(MAX_MEMORY_BYTES) }).optional(),
});

export type TelemetryBatchBody = z.output<typeof telemetryBatchSchema>;
