import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { loadWorkerConfig } from '@rampart/config';
import { ProblemDetailsFilter } from '@rampart/http';
import { assertReachable, exitOnStartupFailure, installGracefulShutdown } from '@rampart/lifecycle';
import { QueueConsumers } from './queues/queue-consumers';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  await assertReachable('postgresql', config.database.url);
  await assertReachable('redis', config.redis.url);
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forConfig(config),
    new FastifyAdapter(),
    {
      bufferLogs: true,
    },
  );
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.useGlobalFilters(new ProblemDetailsFilter());
  const consumers = app.get(QueueConsumers);
  // Stop taking jobs first and let running ones finish, then close HTTP, Redis and PostgreSQL.
  installGracefulShutdown(app, {
    timeoutMs: config.shutdownTimeoutMs,
    logger,
    beforeClose: () => consumers.close(),
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  logger.log(
    `worker running; health on ${(await app.getUrl()).replace('127.0.0.1', 'localhost')}/health/ready`,
  );
}

bootstrap().catch((error: unknown) => exitOnStartupFailure('worker', error));
