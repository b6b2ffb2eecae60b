import { Injectable, Logger } from '@nestjs/common';
import { Database, EmailOutboxRepository, type OutboxEmail, type UnitOfWork } from '@rampart/db';
import type { EmailTemplate, EmailTemplateParams } from '@rampart/email';
import { JobName, JobProducer, sendEmailJobId } from '@rampart/jobs';
import { OutboxMetrics } from './outbox.metrics';

/** One mail to send: a template of libs/email and that template's parameters. */
export type EmailRequest = {
  [T in EmailTemplate]: { to: string; template: T; params: EmailTemplateParams[T] };
}[EmailTemplate];

/**
 * The producer side of the transactional outbox, used by the API and by the worker's own use
 * cases. A change that causes mail stages it in its own unit of work, so the mail exists exactly when
 * the change does, and its send jobs are enqueued once the unit has committed. If that enqueue is
 * lost (a crash, Redis away), the worker's outbox sweeper enqueues the mail later: nothing accepted
 * is ever lost.
 *
 *   await db.unitOfWork(async (unit) => {
 *     const user = await users.create(input, unit.tx);
 *     await outbox.stage(unit, [{ to, template: 'verification', params }]);
 *   });
 */
@Injectable()
export class EmailOutbox {
  private readonly logger = new Logger(EmailOutbox.name);

  constructor(
    private readonly database: Database,
    private readonly repository: EmailOutboxRepository,
    private readonly producer: JobProducer,
    private readonly metrics: OutboxMetrics,
  ) {}

  /** Writes the mails in the unit's transaction; their count and send jobs follow its commit. */
  async stage(unit: UnitOfWork, requests: EmailRequest[]): Promise<OutboxEmail[]> {
    const emails = await this.repository.add(
      requests.map((request) => ({
        recipient: request.to,
        template: request.template,
        params: { ...request.params },
      })),
      unit.tx,
    );
    if (emails.length) {
      unit.afterCommit(() => {
        this.metrics.committed(requests.map((request) => request.template));
        return this.dispatch(emails);
      });
    }
    return emails;
  }

  /** Enqueues committed outbox mails. Never throws: a failed enqueue is logged and left to the sweeper. */
  private async dispatch(emails: OutboxEmail[]): Promise<void> {
    await Promise.all(
      emails.map((email) =>
        this.producer
          .enqueue(JobName.SendEmail, { outboxId: email.id }, { jobId: sendEmailJobId(email.id) })
          .catch((error: unknown) =>
            this.logger.warn(
              { outboxId: email.id, err: error },
              'enqueue failed; the outbox sweeper will send it',
            ),
          ),
      ),
    );
  }

  /** Mail that is a change of its own (no other write). */
  send(requests: EmailRequest[]): Promise<OutboxEmail[]> {
    return this.database.unitOfWork((unit) => this.stage(unit, requests));
  }
}
