import { Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox';

/** The transactional outbox for both apps. Needs DbModule and JobsModule (both global) in scope. */
@Module({ providers: [EmailOutbox], exports: [EmailOutbox] })
export class OutboxModule {}
