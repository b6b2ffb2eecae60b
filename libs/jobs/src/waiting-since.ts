/** The fields of a BullMQ job that say when it could first run (milliseconds since the epoch). */
export interface WaitingJobTimes {
  /** When it was added. */
  timestamp: number;
  /** Its delay: the one it was added with, or the backoff of its latest retry. */
  delay?: number;
  /** When its latest try started, if it ever ran (a retried or stalled job). */
  processedOn?: number;
}

/**
 * Since when a waiting job has been ready to run, as far as BullMQ's fields tell: a delayed job is
 * ready when its delay ends, not when it was added, and a retried or stalled job is waiting again
 * only since its latest try began (a bound: its retry became due somewhat later). So an age
 * counted from this measures consumers falling behind, not delays the jobs asked for.
 */
export function waitingSince(job: WaitingJobTimes): number {
  return Math.max(job.timestamp + (job.delay ?? 0), job.processedOn ?? 0);
}
