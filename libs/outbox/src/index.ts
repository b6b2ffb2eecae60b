export { EmailOutbox, type EmailRequest } from './email-outbox';
export { OutboxModule } from './outbox.module';
