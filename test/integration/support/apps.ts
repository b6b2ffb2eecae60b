// The integration tier's applications: the real API and worker modules, booted from the TypeScript
// sources inside the test process (no build, no HTTP listener), configured like the e2e apps
// (test/support/app-env.ts: this run's database, a Redis key prefix of the file's own) with silent
// logs. A spec resolves the use case it tests with `get(Class)` and calls it.
import type { Abstract, INestApplicationContext, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { loadWorkerConfig } from '@rampart/config';
import { MaintenanceSchedules } from '../../../apps/worker/src/maintenance/maintenance.schedules';
import { QueueConsumers } from '../../../apps/worker/src/queues/queue-consumers';
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { appEnv, type EnvOverrides } from '../../support/app-env';
import { createApiInProcess, initialised } from '../../support/in-process-api';

/** An application booted for one spec file: before its first test, closed after its last. */
export interface BootedApp<A extends INestApplicationContext> {
  /** The application; only inside tests and hooks (it exists from the file's beforeAll on). */
  readonly app: A;
  /** A provider of the application, as `app.get(token)` finds it in any of its modules. */
  get<T>(token: Type<T> | Abstract<T>): T;
}

function bootForFile<A extends INestApplicationContext>(boot: () => Promise<A>): BootedApp<A> {
  let booted: A | undefined;
  beforeAll(async () => {
    booted = await boot();
  });
  // Closing runs every onModuleDestroy: the PostgreSQL pool and the Redis connections end, so Jest
  // exits without open handles.
  afterAll(async () => {
    await booted?.close();
    booted = undefined;
  });
  const app = (): A => {
    if (!booted) throw new Error('the application exists only inside tests and hooks of its file');
    return booted;
  };
  return {
    get app() {
      return app();
    },
    get: (token) => app().get(token, { strict: false }),
  };
}

/** The API exactly as main.ts builds it (create-api-app.ts), initialised but not listening. */
export function useApi(overrides: EnvOverrides = {}): BootedApp<NestFastifyApplication> {
  return bootForFile(() => createApiInProcess(overrides));
}

/** The worker's queue consumers, left idle: the spec runs a use case itself, as a processor would. */
class IdleQueueConsumers extends QueueConsumers {
  override onApplicationBootstrap(): void {}
}

/** The worker's job schedules, not registered: they would only add repeatable jobs to the file's queues. */
class IdleMaintenanceSchedules extends MaintenanceSchedules {
  override onApplicationBootstrap(): Promise<void> {
    return Promise.resolve();
  }
}

export interface WorkerOptions {
  /**
   * Run the queue consumers, as production does: jobs in the file's queues are taken and run by
   * the worker under test (for specs about running jobs rather than one use case).
   */
  consume?: boolean;
}

/**
 * The worker's whole module (WorkerModule, as main.ts boots it) without its HTTP listener, and with
 * its schedules idle and, unless `consume`, its queue consumers too: the jobs a use case enqueues
 * stay in Redis for the spec to see, instead of being taken and run by the worker under test.
 */
export async function createWorkerInProcess(
  overrides: EnvOverrides = {},
  options: WorkerOptions = {},
): Promise<INestApplicationContext> {
  const config = loadWorkerConfig(appEnv({ LOG_LEVEL: 'silent', ...overrides }));
  const builder = Test.createTestingModule({ imports: [WorkerModule.forConfig(config)] })
    .overrideProvider(MaintenanceSchedules)
    .useClass(IdleMaintenanceSchedules);
  if (!options.consume) builder.overrideProvider(QueueConsumers).useClass(IdleQueueConsumers);
  const worker = await builder.compile();
  worker.useLogger(worker.get(Logger));
  return initialised(worker);
}

/**
 * The worker (see createWorkerInProcess) for one spec file. Overrides may be a function, read when
 * the worker boots: for settings known only then, such as the port of an SMTP sink the file starts.
 */
export function useWorker(
  overrides: EnvOverrides | (() => EnvOverrides) = {},
  options: WorkerOptions = {},
): BootedApp<INestApplicationContext> {
  return bootForFile(() =>
    createWorkerInProcess(typeof overrides === 'function' ? overrides() : overrides, options),
  );
}
