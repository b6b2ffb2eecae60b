import { Injectable, Logger } from '@nestjs/common';
import { Database, type DbTransaction, EmailOutboxRepository, type OutboxEmail } from '@rampart/db';
import type { EmailTemplate, EmailTemplateParams } from '@rampart/email';
import { JobName, JobProducer, sendEmailJobId } from '@rampart/jobs';

/** One mail to send: a template of libs/email and that template's parameters. */
export type EmailRequest = {
  [T in EmailTemplate]: { to: string; template: T; params: EmailTemplateParams[T] };
}[EmailTemplate];

/**
 * The producer side of the transactional outbox, used by the API and by the worker's own use
 * cases (account requests). A change that causes mail stages it in its own
 * transaction, so the mail exists exactly when the change does; after the commit, dispatch()
 * enqueues the send jobs. If that enqueue is lost (a crash, Redis away), the worker's outbox
 * sweeper enqueues the mail later: nothing accepted is ever lost.
 *
 *   const { user, mails } = await db.transaction(async (tx) => ({
 *     user: await users.create(input, tx),
 *     mails: await outbox.stage(tx, [{ to, template: 'verification', params }]),
 *   }));
 *   await outbox.dispatch(mails);
 */
@Injectable()
export class EmailOutbox {
  private readonly logger = new Logger(EmailOutbox.name);

  constructor(
    private readonly database: Database,
    private readonly repository: EmailOutboxRepository,
    private readonly producer: JobProducer,
  ) {}

  stage(tx: DbTransaction, requests: EmailRequest[]): Promise<OutboxEmail[]> {
    return this.repository.add(
      requests.map((request) => ({
        recipient: request.to,
        template: request.template,
        params: { ...request.params },
      })),
      tx,
    );
  }

  /** Enqueues committed outbox mails. Never throws: a failed enqueue is logged and left to the sweeper. */
  async dispatch(emails: OutboxEmail[]): Promise<void> {
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

  /** Mail that is a change of its own (no other write): stage in one transaction, then dispatch. */
  async send(requests: EmailRequest[]): Promise<OutboxEmail[]> {
    const emails = await this.database.transaction((tx) => this.stage(tx, requests));
    await this.dispatch(emails);
    return emails;
  }
}
