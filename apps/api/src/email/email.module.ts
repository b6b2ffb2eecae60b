import { Module } from '@nestjs/common';
import { EmailOutbox } from './email-outbox.service';

@Module({ providers: [EmailOutbox], exports: [EmailOutbox] })
export class EmailModule {}
