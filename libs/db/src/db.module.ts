import { Global, Module } from '@nestjs/common';
import { DatabaseHealth } from './database-health';
import { HeartbeatRepository } from './heartbeats/heartbeat.repository';
import { PrismaService } from './prisma.service';

/** PostgreSQL access for an app. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({
  providers: [PrismaService, DatabaseHealth, HeartbeatRepository],
  exports: [DatabaseHealth, HeartbeatRepository],
})
export class DbModule {}
