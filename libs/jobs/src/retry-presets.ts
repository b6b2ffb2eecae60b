import type { JobsOptions } from 'bullmq';

const HOUR_S = 3_600;
const DAY_S = 24 * HOUR_S;

/**
 * Named retry and retention policies. Exponential backoff with jitter (a random share of each
 * delay) so that jobs failing together do not retry in lockstep. Completed jobs are trimmed;
 * failed ones are kept for a week for inspection (the dead-letter view).
 */
export const RetryPreset = {
  /** Idempotent housekeeping: a few quick tries; the next scheduled run covers the rest. */
  housekeeping: {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
    removeOnComplete: { age: HOUR_S, count: 100 },
    removeOnFail: { age: 7 * DAY_S, count: 1_000 },
  },
  /**
   * Delivery to an outside system (SMTP, webhooks): 2 s, 4 s, 8 s, ... between tries, 12 tries,
   * so a receiver that is down for about an hour still gets the message.
   */
  delivery: {
    attempts: 12,
    backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
    removeOnComplete: { age: DAY_S, count: 10_000 },
    removeOnFail: { age: 14 * DAY_S },
  },
  /**
   * An account request accepted with 202 (sign-up, verification resend, password reset request):
   * the answer promised a mail, so it gets the delivery's tries. Its payload holds an address (and,
   * for sign-up, a password hash), so a completed job is removed at once rather than kept.
   */
  accountRequest: {
    attempts: 12,
    backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * DAY_S },
  },
} as const satisfies Record<string, JobsOptions>;
