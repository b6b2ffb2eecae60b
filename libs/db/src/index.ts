export { DbModule } from './db.module';
export { DatabaseHealth } from './database-health';
export { Database, type DbTransaction } from './transaction';
export { EmailOutboxRepository } from './email/email-outbox.repository';
export type { NewOutboxEmail, OutboxClaim, OutboxEmail } from './email/outbox-email';
export { HeartbeatRepository } from './heartbeats/heartbeat.repository';
export type { Heartbeat } from './heartbeats/heartbeat';
