import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { WorkerConfig } from '@rampart/config';
import { EmailOutboxRepository } from '@rampart/db';
import { type EmailTemplateParams, isEmailTemplate, renderEmail } from '@rampart/email';
import type { JobContext, SendEmailResult } from '@rampart/jobs';
import { EmailDeliveryMetrics } from './email-delivery.metrics';
import { classifySmtpFailure } from './smtp-failure';
import { SmtpMailer } from './smtp-mailer';

/** Another worker holds the row's lease: try again later (it will be sent or released by then). */
class MailLeasedError extends Error {}

/**
 * Sends one outbox mail. Idempotent: a mail already sent (or failed for good) is not sent again,
 * and a lease on the row keeps two workers from sending it at once. At-least-once, not exactly
 * once: a worker killed after the server accepted the mail but before the row was marked sent
 * sends it again on retry, with the same Message-ID, which receivers use to de-duplicate.
 */
@Injectable()
export class DeliverEmail {
  private readonly logger = new Logger(DeliverEmail.name);

  constructor(
    private readonly outbox: EmailOutboxRepository,
    private readonly mailer: SmtpMailer,
    private readonly config: WorkerConfig,
    private readonly metrics: EmailDeliveryMetrics,
  ) {}

  async run(outboxId: string, context: JobContext): Promise<SendEmailResult> {
    const claim = await this.outbox.claim(outboxId, this.config.lockDurationMs);
    switch (claim.kind) {
      case 'missing':
        throw new UnrecoverableError(`outbox mail ${outboxId} does not exist`);
      case 'leased':
        throw new MailLeasedError(`outbox mail ${outboxId} is being sent by another worker`);
      case 'sent':
        return { outcome: 'already-sent', messageId: claim.email.messageId };
      case 'failed':
        return { outcome: 'already-failed', messageId: claim.email.messageId };
      case 'claimed':
        break;
    }

    const { email } = claim;
    if (!isEmailTemplate(email.template)) {
      const reason = `unknown template "${email.template}"`;
      this.metrics.recordFailed(email.template, 'permanent');
      await this.outbox.markFailed(email.id, reason);
      throw new UnrecoverableError(reason);
    }
    const rendered = renderEmail(
      email.template,
      email.params as unknown as EmailTemplateParams[typeof email.template],
      {
        appUrl: this.config.email.appUrl,
        productName: this.config.email.productName,
      },
    );

    try {
      await this.mailer.send({ to: email.recipient, messageId: email.messageId, ...rendered });
    } catch (error) {
      const failure = classifySmtpFailure(error);
      if (failure.permanent || context.isFinalAttempt) {
        this.metrics.recordFailed(email.template, failure.permanent ? 'permanent' : 'exhausted');
        await this.outbox.markFailed(email.id, failure.reason);
        this.logger.warn(
          { outboxId: email.id, attempt: context.attempt, reason: failure.reason },
          'mail failed for good',
        );
        if (failure.permanent) throw new UnrecoverableError(failure.reason);
      } else {
        this.metrics.recordRetried(email.template);
        await this.outbox.releaseAfterError(email.id, failure.reason);
      }
      throw new Error(failure.reason, { cause: error });
    }
    // Counted on the server's acceptance: a failure to record it below means a resend, counted again.
    this.metrics.recordSent(email.template, email.createdAt);
    await this.outbox.markSent(email.id);
    return { outcome: 'sent', messageId: email.messageId };
  }
}
