import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { WorkerConfigShape } from '@rampart/config';
import { ProblemDetailsFilter } from '@rampart/http';
import { Metrics, installMetricsRoute, installRequestTelemetry } from '@rampart/observability';
import { WorkerModule } from './worker.module';

/**
 * Builds the worker as production runs it (its queue consumers, health and metrics routes, request
 * telemetry),
 * without listening. main.ts and the tests both use it.
 */
export async function createWorkerApp(config: WorkerConfigShape): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forConfig(config),
    new FastifyAdapter(),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter());
  const fastify = app.getHttpAdapter().getInstance();
  installRequestTelemetry(fastify, { metrics: config.metrics.enabled ? app.get(Metrics) : null });
  if (config.metrics.enabled) installMetricsRoute(fastify, app.get(Metrics), config.metrics.token);
  return app;
}
