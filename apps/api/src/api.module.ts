import type { IncomingMessage } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { type ApiConfigShape, ConfigModule } from '@rampart/config';
import { DbModule } from '@rampart/db';
import { JobsModule } from '@rampart/jobs';
import { MetricsModule, httpLoggerModule } from '@rampart/observability';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { EmailModule } from './email/email.module';
import { FlagsModule } from './flags/flags.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { principalName } from './identity/principal';
import { requestContextOf } from './identity/request-context';
import { MetaModule } from './meta/meta.module';
import { QueuesModule } from './queues/queues.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RequestGuards } from './request-guards';
import { SdkKeysModule } from './sdk-keys/sdk-keys.module';
import { UsersModule } from './users/users.module';

/** The request log line names the caller the guards authenticated, if any. */
function callerLogFields(req: IncomingMessage): { principal?: string } {
  const principal = requestContextOf(req)?.principal;
  return principal ? { principal: principalName(principal) } : {};
}

@Module({})
export class ApiModule {
  static forConfig(config: ApiConfigShape): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forApi(config),
        httpLoggerModule(config, 'api', callerLogFields),
        MetricsModule.forApp(config, 'api'),
        DbModule,
        JobsModule,
        IdentityModule,
        RateLimitModule.forRoot(config.rateLimit),
        AccessModule,
        AuditModule,
        AuthModule,
        EmailModule,
        FlagsModule,
        HealthModule,
        MetaModule,
        QueuesModule,
        SdkKeysModule,
        UsersModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: RequestGuards }],
    };
  }
}
