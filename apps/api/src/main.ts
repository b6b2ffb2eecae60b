import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { loadApiConfig } from '@rampart/config';
import { assertReachable, exitOnStartupFailure, installGracefulShutdown } from '@rampart/lifecycle';
import { createApiApp } from './create-api-app';

async function bootstrap(): Promise<void> {
  const config = loadApiConfig();
  await assertReachable('postgresql', config.database.url);
  await assertReachable('redis', config.redis.url);
  const app = await createApiApp(config);
  const logger = app.get(Logger);
  installGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, logger });
  await app.listen({ host: config.http.host, port: config.http.port });
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  logger.log(
    `api listening on ${url} (health: ${url}/health/ready${config.docsEnabled ? `, docs: ${url}/docs` : ''})`,
  );
}

bootstrap().catch((error: unknown) => exitOnStartupFailure('api', error));
