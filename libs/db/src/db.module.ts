import { Global, Module } from '@nestjs/common';
import { DatabaseHealth } from './database-health';
import { EmailOutboxRepository } from './email/email-outbox.repository';
import { HeartbeatRepository } from './heartbeats/heartbeat.repository';
import { PrismaService } from './prisma.service';
import { Database } from './transaction';

/** PostgreSQL access for an app. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({
  providers: [PrismaService, Database, DatabaseHealth, HeartbeatRepository, EmailOutboxRepository],
  exports: [Database, DatabaseHealth, HeartbeatRepository, EmailOutboxRepository],
})
export class DbModule {}
