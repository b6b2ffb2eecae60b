import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadWorkerConfig } from '@rampart/config';
import { assertReachable, exitOnStartupFailure, installGracefulShutdown } from '@rampart/lifecycle';
import { createWorkerApp } from './create-worker-app';
import { QueueConsumers } from './queues/queue-consumers';

async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  await assertReachable('postgresql', config.database.url);
  await assertReachable('redis', config.redis.url);
  const app = await createWorkerApp(config);
  const logger = app.get(Logger);
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
