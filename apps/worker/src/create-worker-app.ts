import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { WorkerConfigShape } from '@rampart/config';
import { ProblemDetailsFilter } from '@rampart/http';
import { Metrics, installHttpMetrics, installMetricsRoute } from '@rampart/observability';
import { WorkerModule } from './worker.module';

/**
 * Builds the worker as production runs it (its queue consumers, health and metrics routes),
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
  if (config.metrics.enabled) {
    const fastify = app.getHttpAdapter().getInstance();
    installHttpMetrics(fastify, app.get(Metrics));
    installMetricsRoute(fastify, app.get(Metrics), config.metrics.token);
  }
  return app;
}
