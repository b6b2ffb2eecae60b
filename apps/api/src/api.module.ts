import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { type ApiConfigShape, ConfigModule } from '@rampart/config';
import { DbModule } from '@rampart/db';
import { JobsModule } from '@rampart/jobs';
import { MetricsModule, httpLoggerModule } from '@rampart/observability';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { EmailModule } from './email/email.module';
import { FlagsModule } from './flags/flags.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { IncidentsModule } from './incidents/incidents.module';
import { RolloutsModule } from './rollouts/rollouts.module';
import { currentRequestContext } from './identity/request-context';
import { MetaModule } from './meta/meta.module';
import { QueuesModule } from './queues/queues.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RequestGuards } from './request-guards';
import { SdkKeysModule } from './sdk-keys/sdk-keys.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { UsersModule } from './users/users.module';

/** Every line written while a request is handled carries its id. */
function requestBindings(): Record<string, string> {
  const context = currentRequestContext();
  return context ? { reqId: context.requestId } : {};
}

@Module({})
export class ApiModule {
  static forConfig(config: ApiConfigShape): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forApi(config),
        httpLoggerModule(config, 'api', requestBindings),
        MetricsModule.forApp(config, 'api'),
        DbModule,
        JobsModule,
        IdentityModule,
        RateLimitModule.forRoot(config.rateLimit),
        AccessModule,
        AuditModule,
        AuthModule,
        DashboardModule,
        EmailModule,
        FlagsModule,
        HealthModule,
        IncidentsModule,
        RolloutsModule,
        MetaModule,
        QueuesModule,
        SdkKeysModule,
        TelemetryModule,
        UsersModule,
      ],
      providers: [{ provide: APP_GUARD, useClass: RequestGuards }],
    };
  }
}
