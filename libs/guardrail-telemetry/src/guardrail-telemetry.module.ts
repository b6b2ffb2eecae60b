import { Module } from '@nestjs/common';
import { TelemetryStore } from './telemetry-store';

/** The telemetry store; needs RuntimeConfig and RedisConnections (JobsModule) in scope. */
@Module({ providers: [TelemetryStore], exports: [TelemetryStore] })
export class GuardrailTelemetryModule {}
