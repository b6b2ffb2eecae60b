import { Global, Module } from '@nestjs/common';
import { DatabaseHealth } from './database-health';
import { EmailOutboxRepository } from './email/email-outbox.repository';
import { HeartbeatRepository } from './heartbeats/heartbeat.repository';
import { PrismaService } from './prisma.service';
import { SessionRepository } from './sessions/session.repository';
import { Database } from './transaction';
import { EmailVerificationTokenRepository } from './users/email-verification-token.repository';
import { UserRepository } from './users/user.repository';

/** PostgreSQL access for an app. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({
  providers: [
    PrismaService,
    Database,
    DatabaseHealth,
    HeartbeatRepository,
    EmailOutboxRepository,
    UserRepository,
    EmailVerificationTokenRepository,
    SessionRepository,
  ],
  exports: [
    Database,
    DatabaseHealth,
    HeartbeatRepository,
    EmailOutboxRepository,
    UserRepository,
    EmailVerificationTokenRepository,
    SessionRepository,
  ],
})
export class DbModule {}
