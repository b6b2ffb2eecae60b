import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadApiConfig } from '@rampart/config';
import { createApiApp } from '../../../apps/api/src/create-api-app';
import { appEnv, type EnvOverrides } from './app-env';

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * The real API (same factory as main.ts) inside the test process, listening on an ephemeral port,
 * for tests that also need its internals (the job producer). Configured from appEnv, never from
 * the test runner's own environment.
 */
export async function startApiInProcess(overrides: EnvOverrides = {}): Promise<RunningApi> {
  // In the test process itself logs would interleave with Jest's output; spawned apps keep theirs.
  const app = await createApiApp(loadApiConfig(appEnv({ LOG_LEVEL: 'silent', ...overrides })));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
