import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { type ApiConfigShape, ConfigModule } from '@rampart/config';
import { DbModule } from '@rampart/db';
import { JobsModule } from '@rampart/jobs';
import { httpLoggerModule } from '@rampart/observability';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { EmailModule } from './email/email.module';
import { HealthModule } from './health/health.module';
import { MetaModule } from './meta/meta.module';
import { QueuesModule } from './queues/queues.module';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { UsersModule } from './users/users.module';

@Module({})
export class ApiModule {
  static forConfig(config: ApiConfigShape): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forApi(config),
        httpLoggerModule(config, 'api'),
        DbModule,
        JobsModule,
        // Before AccessModule: Nest runs global guards in registration order, so rate limiting comes first.
        RateLimitModule.forRoot(config.rateLimit),
        AccessModule,
        AuditModule,
        AuthModule,
        EmailModule,
        HealthModule,
        MetaModule,
        QueuesModule,
        UsersModule,
      ],
      providers: [{ provide: APP_GUARD, useExisting: RateLimitGuard }],
    };
  }
}
