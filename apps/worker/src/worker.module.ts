import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditLogModule } from '@rampart/audit';
import { ConfigModule, type WorkerConfigShape } from '@rampart/config';
import { DbModule } from '@rampart/db';
import { GuardrailTelemetryModule } from '@rampart/guardrail-telemetry';
import { IncidentLogModule } from '@rampart/incidents';
import { JobsModule, type QueueProcessor } from '@rampart/jobs';
import { MetricsModule, httpLoggerModule } from '@rampart/observability';
import { OutboxModule } from '@rampart/outbox';
import { RolloutTransitionsModule } from '@rampart/rollouts';
import { SendPasswordResetLink } from './accounts/send-password-reset-link';
import { SendVerificationLink } from './accounts/send-verification-link';
import { StartRegistration } from './accounts/start-registration';
import { DeliverEmail } from './email/deliver-email';
import { EmailDeliveryMetrics } from './email/email-delivery.metrics';
import { EmailProcessor } from './email/email.processor';
import { SmtpMailer } from './email/smtp-mailer';
import { WorkerHealthController } from './health/worker-health.controller';
import { MaintenanceMetrics } from './maintenance/maintenance.metrics';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceSchedules } from './maintenance/maintenance.schedules';
import { PurgeExpired } from './maintenance/purge-expired';
import { SweepOutbox } from './maintenance/sweep-outbox';
import { EvaluateRollouts } from './rollouts/evaluate-rollouts';
import { PrometheusGuardrails } from './rollouts/prometheus-guardrails';
import { RolloutEvaluationMetrics } from './rollouts/rollout-evaluation.metrics';
import { QueueConsumers } from './queues/queue-consumers';
import { QUEUE_PROCESSORS } from './queues/queue-processors.token';
import { QueueMetrics } from './queues/queue.metrics';
import { WorkerInstance } from './worker-instance';

/** Every queue processor this worker runs. Adding a queue: write its processor, list it here. */
const PROCESSORS = [MaintenanceProcessor, EmailProcessor];

@Module({})
export class WorkerModule {
  static forConfig(config: WorkerConfigShape): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forWorker(config),
        httpLoggerModule(config, 'worker'),
        MetricsModule.forApp(config, 'worker'),
        DbModule,
        JobsModule,
        OutboxModule,
        AuditLogModule,
        GuardrailTelemetryModule,
        IncidentLogModule,
        RolloutTransitionsModule,
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [WorkerHealthController],
      providers: [
        WorkerInstance,
        SmtpMailer,
        EmailDeliveryMetrics,
        DeliverEmail,
        StartRegistration,
        SendVerificationLink,
        SendPasswordResetLink,
        SweepOutbox,
        PurgeExpired,
        MaintenanceMetrics,
        RolloutEvaluationMetrics,
        PrometheusGuardrails,
        EvaluateRollouts,
        ...PROCESSORS,
        {
          provide: QUEUE_PROCESSORS,
          useFactory: (...processors: QueueProcessor[]) => processors,
          inject: PROCESSORS,
        },
        QueueMetrics,
        QueueConsumers,
        MaintenanceSchedules,
      ],
    };
  }
}
