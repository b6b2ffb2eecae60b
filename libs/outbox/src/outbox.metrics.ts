import { Injectable } from '@nestjs/common';
import { EMAIL_TEMPLATES, type EmailTemplate } from '@rampart/email';
import { Metrics } from '@rampart/observability';

/**
 * `email_enqueued_total{template}`: mails accepted into the outbox, counted once the unit of work
 * that staged them has committed (a rolled-back change sent nothing, so it counts nothing). Both
 * apps stage mail; each counts its own.
 */
@Injectable()
export class OutboxMetrics {
  private readonly enqueued;

  constructor(metrics: Metrics) {
    this.enqueued = metrics.counter({
      name: 'email_enqueued_total',
      help: 'Mails accepted into the outbox (their staging change committed), by template.',
      labelNames: ['template'],
    });
    // Every template from zero, so a first mail is a visible increase rather than a new series.
    for (const template of EMAIL_TEMPLATES) this.enqueued.inc({ template }, 0);
  }

  committed(templates: readonly EmailTemplate[]): void {
    for (const template of templates) this.enqueued.inc({ template });
  }
}
