import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadApiConfig } from '@rampart/config';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { appEnv, type EnvOverrides } from './app-env';

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * The real API (same factory as main.ts) inside the test process, initialised but not listening:
 * its providers for the integration tier. Configured from appEnv, never from the test runner's own
 * environment; logs are silent, as they would interleave with Jest's output.
 */
export async function createApiInProcess(overrides: EnvOverrides = {}): Promise<NestFastifyApplication> {
  return initialised(await createApiApp(loadApiConfig(appEnv({ LOG_LEVEL: 'silent', ...overrides }))));
}

/** The app with its lifecycle hooks run; closed again (connections and all) when one of them fails. */
export async function initialised<A extends INestApplicationContext>(app: A): Promise<A> {
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

/**
 * The same, listening on an ephemeral port, for e2e tests that also need its internals (the job
 * producer, the factories) next to its HTTP surface.
 */
export async function startApiInProcess(overrides: EnvOverrides = {}): Promise<RunningApi> {
  const app = await createApiInProcess(overrides);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
