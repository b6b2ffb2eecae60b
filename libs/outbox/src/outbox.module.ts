import { Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox';
import { OutboxMetrics } from './outbox.metrics';

/** The transactional outbox for both apps. Needs DbModule, JobsModule and MetricsModule (all global) in scope. */
@Module({ providers: [EmailOutbox, OutboxMetrics], exports: [EmailOutbox] })
export class OutboxModule {}
