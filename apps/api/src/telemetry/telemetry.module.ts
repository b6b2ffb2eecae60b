import { Module } from '@nestjs/common';
import { GuardrailTelemetryModule } from '@rampart/guardrail-telemetry';
import { FlagsModule } from '../flags/flags.module';
import { TelemetryController } from './telemetry.controller';
import { TelemetryMetrics } from './telemetry.metrics';
import { RecordTelemetryBatch } from './use-cases/record-telemetry-batch';

/** Guardrail telemetry ingestion: batches from guarded services into the telemetry store. */
@Module({
  imports: [FlagsModule, GuardrailTelemetryModule],
  controllers: [TelemetryController],
  providers: [TelemetryMetrics, RecordTelemetryBatch],
})
export class TelemetryModule {}
