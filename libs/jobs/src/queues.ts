// The contract between producers (the API) and consumers (the worker): queue names, job names,
// payload and result types, and the options each job is produced with. Nothing else names a
// queue or a job.
import type { JobsOptions } from 'bullmq';
import { RetryPreset } from './retry-presets';

export const QueueName = {
  Maintenance: 'maintenance',
  Email: 'email',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  /** Records that a worker is alive and consuming; the API's readiness check reads it. */
  Heartbeat: 'maintenance.heartbeat',
  /** Re-enqueues outbox mails whose job was lost (a crash between commit and enqueue). */
  OutboxSweep: 'maintenance.outbox-sweep',
  /** Deletes expired rows of one kind (a purge target), reporting how many. */
  Purge: 'maintenance.purge',
  /** Evaluates every running rollout's guardrails and applies what they decide, as `system:rollouts`. */
  RolloutsEvaluate: 'rollouts.evaluate',
  /** Sends one outbox mail over SMTP, at most once per success. */
  SendEmail: 'email.send',
  /**
   * Account requests that take an e-mail address. The API validates, enqueues one of these for every
   * address alike and answers at once; the worker looks the address up and stages the mail. So the
   * answer's status, body and timing never depend on whether the address has an account.
   */
  RegistrationRequested: 'auth.registration-requested',
  VerificationResendRequested: 'auth.verification-resend-requested',
  PasswordResetRequested: 'auth.password-reset-requested',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** The heartbeats row the Heartbeat job keeps fresh and the API's readiness check reads. */
export const WORKER_HEARTBEAT_COMPONENT = 'worker';

export interface HeartbeatPayload {
  /** Who asked for the beat: `scheduler`, or a component that wants proof of a live consumer. */
  requestedBy: string;
}

export interface HeartbeatResult {
  instanceId: string;
  beatAt: string;
  beatsTotal: number;
}

export interface OutboxSweepResult {
  requeued: number;
  /** Sign-ups whose job was lost or stuck, handed to the worker again. */
  registrationsRequeued: number;
}

/** What a purge job can clean. Adding one: a name here, its query in the worker's purge registry. */
export const PurgeTarget = {
  SentEmail: 'sent-email',
  LoginAttempts: 'login-attempts',
  ExpiredOneTimeTokens: 'expired-one-time-tokens',
  EndedSessions: 'ended-sessions',
  /** Unverified accounts past the verification link's lifetime: a pending registration expires. */
  PendingRegistrations: 'pending-registrations',
} as const;
export type PurgeTarget = (typeof PurgeTarget)[keyof typeof PurgeTarget];

export interface PurgePayload {
  target: PurgeTarget;
}

export interface PurgeResult {
  target: PurgeTarget;
  removed: number;
}

/** One rollout's outcome in an evaluation run. */
export interface RolloutEvaluationOutcome {
  rolloutId: string;
  /** What the guardrails decided (see evaluateRollout), or `error` when evaluating failed. */
  decision: string;
  /** Whether this run wrote it; false when another worker moved the rollout first or nothing changed. */
  applied: boolean;
}

export interface RolloutsEvaluateResult {
  evaluated: number;
  outcomes: RolloutEvaluationOutcome[];
}

export interface SendEmailPayload {
  outboxId: string;
}

/**
 * Sign-up: the registration_requests row holding the address and the password's argon2 hash. The
 * hash stays in PostgreSQL: job data is readable in the queue dashboard.
 */
export interface RegistrationRequestedPayload {
  requestId: string;
}

/** Resending a verification link or asking for a password reset link: the normalised address. */
export interface AddressRequestPayload {
  email: string;
}

/** How many mails the request staged (0 when the address had nothing to send to). */
export interface AccountRequestResult {
  mailsStaged: number;
}

export interface SendEmailResult {
  /** `sent` by this job, or found `already-sent` / `already-failed` by an earlier one. */
  outcome: 'sent' | 'already-sent' | 'already-failed';
  messageId: string;
}

/** Payload type per job name: a producer and a consumer cannot disagree on a job's shape. */
export interface JobPayloads {
  [JobName.Heartbeat]: HeartbeatPayload;
  [JobName.OutboxSweep]: Record<string, never>;
  [JobName.Purge]: PurgePayload;
  [JobName.RolloutsEvaluate]: Record<string, never>;
  [JobName.SendEmail]: SendEmailPayload;
  [JobName.RegistrationRequested]: RegistrationRequestedPayload;
  [JobName.VerificationResendRequested]: AddressRequestPayload;
  [JobName.PasswordResetRequested]: AddressRequestPayload;
}

/** Result type per job name (what the handler returns, kept on completed jobs). */
export interface JobResults {
  [JobName.Heartbeat]: HeartbeatResult;
  [JobName.OutboxSweep]: OutboxSweepResult;
  [JobName.Purge]: PurgeResult;
  [JobName.RolloutsEvaluate]: RolloutsEvaluateResult;
  [JobName.SendEmail]: SendEmailResult;
  [JobName.RegistrationRequested]: AccountRequestResult;
  [JobName.VerificationResendRequested]: AccountRequestResult;
  [JobName.PasswordResetRequested]: AccountRequestResult;
}

export interface JobDefinition {
  queue: QueueName;
  options: JobsOptions;
}

export const JOBS = {
  [JobName.Heartbeat]: { queue: QueueName.Maintenance, options: RetryPreset.housekeeping },
  [JobName.OutboxSweep]: { queue: QueueName.Maintenance, options: RetryPreset.housekeeping },
  [JobName.Purge]: { queue: QueueName.Maintenance, options: RetryPreset.housekeeping },
  // On the maintenance queue: one short, idempotent run per interval; a failed run is simply the next.
  [JobName.RolloutsEvaluate]: { queue: QueueName.Maintenance, options: RetryPreset.housekeeping },
  [JobName.SendEmail]: { queue: QueueName.Email, options: RetryPreset.delivery },
  // On the email queue: each of them exists to end in a mail, and the queue's consumers already run.
  [JobName.RegistrationRequested]: { queue: QueueName.Email, options: RetryPreset.accountRequest },
  [JobName.VerificationResendRequested]: { queue: QueueName.Email, options: RetryPreset.accountRequest },
  [JobName.PasswordResetRequested]: { queue: QueueName.Email, options: RetryPreset.accountRequest },
} as const satisfies Record<JobName, JobDefinition>;

/** The job names a queue carries, as a type: a queue's processor must handle exactly these. */
export type JobsOf<Q extends QueueName> = {
  [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never;
}[JobName];

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOBS) as JobName[]).filter((name) => JOBS[name].queue === queue);
}

/** The job id of an outbox mail's send job: the producer and the sweeper use the same one, so BullMQ de-duplicates. */
export function sendEmailJobId(outboxId: string): string {
  return `email-${outboxId}`;
}

/**
 * The job id under which the sweeper re-enqueues a sign-up: one job per request however many sweeps
 * find it. (A duplicate of the API's own job is harmless: the first to take the request wins.)
 */
export function registrationSweepJobId(requestId: string): string {
  return `registration-${requestId}`;
}
