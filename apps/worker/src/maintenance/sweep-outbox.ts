import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '@rampart/config';
import { EmailOutboxRepository, RegistrationRequestRepository } from '@rampart/db';
import {
  JobName,
  JobProducer,
  type OutboxSweepResult,
  registrationSweepJobId,
  sendEmailJobId,
} from '@rampart/jobs';

/** At most this many mails are re-enqueued per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Re-enqueues outbox mails still pending after OUTBOX_SWEEP_AFTER_MS: the API commits the row,
 * then enqueues, and a crash or a Redis outage between the two would otherwise lose the mail.
 * The job id is the one the API uses, so a mail whose job still exists is not queued twice.
 *
 * Sign-ups the same way: the API answers 202 once the request row is in PostgreSQL and its job in
 * Redis. If Redis then loses its data before the worker ran the job, the row alone is left; without
 * this sweep the accepted sign-up would never become an account and its mail never be sent.
 */
@Injectable()
export class SweepOutbox {
  private readonly logger = new Logger(SweepOutbox.name);

  constructor(
    private readonly outbox: EmailOutboxRepository,
    private readonly registrations: RegistrationRequestRepository,
    private readonly producer: JobProducer,
    private readonly config: WorkerConfig,
  ) {}

  async run(): Promise<OutboxSweepResult> {
    const ids = await this.outbox.findStalePending(this.config.outbox.sweepAfterMs, SWEEP_BATCH);
    for (const outboxId of ids) {
      await this.producer.enqueue(JobName.SendEmail, { outboxId }, { jobId: sendEmailJobId(outboxId) });
    }
    if (ids.length) this.logger.log(`re-enqueued ${ids.length} outbox mail(s) left pending`);
    const requests = await this.registrations.findStale(this.config.outbox.sweepAfterMs, SWEEP_BATCH);
    for (const requestId of requests) {
      await this.producer.enqueue(
        JobName.RegistrationRequested,
        { requestId },
        { jobId: registrationSweepJobId(requestId) },
      );
    }
    if (requests.length) this.logger.warn(`re-enqueued ${requests.length} sign-up(s) whose job was lost`);
    return { requeued: ids.length, registrationsRequeued: requests.length };
  }
}
