import type { JobContext } from '@rampart/jobs';

/**
 * How a job's try ended, as `job_duration_seconds` labels it: `completed`; `retried` (it threw and
 * BullMQ will run it again); `failed` (it threw and stays failed: an UnrecoverableError, or its
 * last attempt).
 */
export type JobOutcome = 'completed' | 'retried' | 'failed';

export const JOB_OUTCOMES: readonly JobOutcome[] = ['completed', 'retried', 'failed'];

/**
 * The outcome of a try that threw, decided as BullMQ decides whether to retry (Job.shouldRetryJob):
 * an error named UnrecoverableError is final whatever attempts remain, and so is the last attempt.
 */
export function outcomeOfError(error: unknown, context: Pick<JobContext, 'isFinalAttempt'>): JobOutcome {
  const unrecoverable = error instanceof Error && error.name === 'UnrecoverableError';
  return unrecoverable || context.isFinalAttempt ? 'failed' : 'retried';
}
