import { Injectable } from '@nestjs/common';
import { EMAIL_TEMPLATES, isEmailTemplate } from '@rampart/email';
import { Metrics } from '@rampart/observability';

/** From a second (a healthy queue) to ten minutes (a receiver down for a while, several retries). */
export const EMAIL_DELIVERY_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

/** The `template` of a row naming no template of libs/email: labels stay bounded. */
export const UNKNOWN_TEMPLATE = 'unknown';

/** Why a mail failed for good: the server refused it (5xx), or every try met a transient failure. */
export type EmailFailureKind = 'permanent' | 'exhausted';
const FAILURE_KINDS: readonly EmailFailureKind[] = ['permanent', 'exhausted'];

/**
 * The worker's outcome of each outbox mail, by template:
 * - `email_sent_total`: the SMTP server accepted it;
 * - `email_retried_total`: a try failed transiently and another will come;
 * - `email_failed_total{kind}`: it will not be sent (permanent refusal, or tries exhausted);
 * - `email_delivery_seconds`: from its outbox row's creation (the change that staged it) to the
 *   SMTP server accepting it, so queueing, retries and backoff all count.
 */
@Injectable()
export class EmailDeliveryMetrics {
  private readonly sent;
  private readonly retried;
  private readonly failed;
  private readonly delivery;

  constructor(metrics: Metrics) {
    this.sent = metrics.counter({
      name: 'email_sent_total',
      help: 'Outbox mails the SMTP server accepted, by template.',
      labelNames: ['template'],
    });
    this.retried = metrics.counter({
      name: 'email_retried_total',
      help: 'Tries of an outbox mail that failed transiently and will be tried again, by template.',
      labelNames: ['template'],
    });
    this.failed = metrics.counter({
      name: 'email_failed_total',
      help: 'Outbox mails given up: refused by the server (permanent) or out of tries (exhausted), by template.',
      labelNames: ['template', 'kind'],
    });
    this.delivery = metrics.histogram({
      name: 'email_delivery_seconds',
      help: 'Time from an outbox mail being staged to the SMTP server accepting it, by template.',
      labelNames: ['template'],
      buckets: EMAIL_DELIVERY_BUCKETS,
    });
    // Every template from zero, so a first mail is a visible increase rather than a new series.
    for (const template of EMAIL_TEMPLATES) {
      this.sent.inc({ template }, 0);
      this.retried.inc({ template }, 0);
      for (const kind of FAILURE_KINDS) this.failed.inc({ template, kind }, 0);
    }
  }

  /** Accepted by the server now; `stagedAt` is when its outbox row was written. */
  recordSent(template: string, stagedAt: Date): void {
    const label = { template: templateLabel(template) };
    this.sent.inc(label);
    this.delivery.observe(label, Math.max(0, (Date.now() - stagedAt.getTime()) / 1_000));
  }

  recordRetried(template: string): void {
    this.retried.inc({ template: templateLabel(template) });
  }

  recordFailed(template: string, kind: EmailFailureKind): void {
    this.failed.inc({ template: templateLabel(template), kind });
  }
}

function templateLabel(template: string): string {
  return isEmailTemplate(template) ? template : UNKNOWN_TEMPLATE;
}
