// The servers the benchmarks run against, each as its own child process on a free 127.0.0.1 port,
// the database they need, and the bench accounts. Starting, migrating and cleaning up use the same
// helpers as the tests (test/support/*.mts), and accounts come from the tests' factories
// (test/factories/accounts.mts) driven by the build's own repositories.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import {
  type AccountServices,
  type TestUser,
  createActiveAccount,
  deleteAccounts,
  uniqueEmail,
} from '../../test/factories/accounts.mts';
import { freePort } from '../../test/support/free-port.mts';
import { migrateDatabase as migrate } from '../../test/support/migrate.mts';
import { deleteRedisKeys as deleteKeys } from '../../test/support/redis-keys.mts';
import { type AppName, spawnApp } from '../../test/support/server-process.mts';
import { startServer, tracked, type BenchSettings, type ServerProcess } from './lib.mts';

export const API_LOG_LEVEL = 'warn';

/**
 * Sign-in and API tier limits no bench run reaches: the limiter stays on, its Redis round trip part of
 * every figure, but refuses nothing (a refusal would fail the run as a non-2xx).
 */
export const UNREACHABLE_RATE_LIMITS = { RATE_LIMIT_LOGIN: '1000000/60', RATE_LIMIT_API: '1000000/60' };

/**
 * For scenarios that poll OFREP and write as an admin (flags, rollouts): the limiter stays on, as in
 * production (each OFREP request is counted in Redis), but never refuses: 1,000,000 per second and key,
 * the largest limit RATE_LIMIT_* takes over its shortest window. The admin's writes count against the
 * `api` tier, 50 a minute by default, hence raised too.
 */
export const OFREP_RATE_LIMITS = {
  RATE_LIMIT_OFREP: '1000000/1',
  RATE_LIMIT_API: '1000000/60',
  RATE_LIMIT_LOGIN: '1000/60',
};

/** One of the built apps with the bench's environment on top of this process's, ready once `route` answers 200. */
async function startApp(
  settings: BenchSettings,
  name: AppName,
  route: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const server = tracked(
    await spawnApp(
      settings.root,
      name,
      {
        ...process.env,
        NODE_ENV: 'test',
        LOG_PRETTY: 'false',
        DATABASE_URL: settings.databaseUrl,
        REDIS_URL: settings.redisUrl,
        ...env,
      },
      {
        keepLines: 500,
        // BENCH_PROFILE=1: V8 writes a .cpuprofile there when the API exits (the worker is not profiled).
        nodeArgs:
          name === 'api' && settings.profileDir
            ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`]
            : [],
      },
    ),
  );
  try {
    await server.waitUntilReady(route);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * The real API from the build (dist/apps/api/src/main.js), ready once /health/live answers 200.
 * NODE_ENV=test, request logging at warn, a Redis key prefix of its own. The API checks at startup
 * that the PostgreSQL and Redis ports answer; only /health/ready and real routes need the migrated
 * database.
 */
export function startApi(settings: BenchSettings, env: Record<string, string> = {}): Promise<ServerProcess> {
  return startApp(settings, 'api', '/health/live', {
    LOG_LEVEL: API_LOG_LEVEL,
    API_HOST: '127.0.0.1',
    REDIS_KEY_PREFIX: `rampart-bench-${randomBytes(4).toString('hex')}`,
    ...env,
  });
}

/**
 * The real worker from the build (dist/apps/worker/src/main.js), ready once /health/ready answers 200
 * (PostgreSQL and Redis answer and every queue consumer runs). NODE_ENV=test, logging at warn; `env`
 * must at least name the Redis key prefix and the SMTP server.
 */
export function startWorker(settings: BenchSettings, env: Record<string, string>): Promise<ServerProcess> {
  return startApp(settings, 'worker', '/health/ready', {
    LOG_LEVEL: 'warn',
    WORKER_HOST: '127.0.0.1',
    ...env,
  });
}

/**
 * One of the bench's own reference servers (a plain JavaScript file in scripts/bench/) as a child
 * process on a free port, passed as `portVariable`, ready once GET /__healthz answers 200. Its text
 * runs through --eval as plain JavaScript, so Node's TypeScript stripper does not inflate the
 * baseline's RSS.
 */
async function startScriptServer(
  settings: BenchSettings,
  name: string,
  file: string,
  portVariable: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const source = await readFile(path.join(settings.root, 'scripts/bench', file), 'utf8');
  const server = startServer({
    name,
    args: ['--input-type=module', '--eval', source],
    cwd: settings.root,
    env: { ...process.env, ...env, [portVariable]: String(port) },
    port,
  });
  try {
    await server.waitUntilReady('/__healthz');
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** A bare Fastify 5 server (scripts/bench/bare-fastify.mts) with the same GET /__healthz. */
export function startBareFastify(settings: BenchSettings): Promise<ServerProcess> {
  return startScriptServer(settings, 'bare', 'bare-fastify.mts', 'BENCH_BARE_PORT');
}

/** NestJS on Fastify with one controller (scripts/bench/nest-hello.mts) answering the same GET /__healthz. */
export function startNestHello(settings: BenchSettings): Promise<ServerProcess> {
  return startScriptServer(settings, 'nest', 'nest-hello.mts', 'BENCH_NEST_PORT');
}

/** What the naive floor needs to accept the API's access tokens and to answer like its /me. */
export interface NaiveFloorOptions {
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  redisKeyPrefix: string;
  /** The JSON text every authenticated GET /v1/auth/me answers. */
  meBody: string;
}

/**
 * The naive authenticated floor (scripts/bench/naive-floor.mts): bare Fastify 5, jose HS256 and one Redis
 * MGET per request. Like the bare server, its text runs through --eval as plain JavaScript.
 */
export function startNaiveFloor(settings: BenchSettings, options: NaiveFloorOptions): Promise<ServerProcess> {
  return startScriptServer(settings, 'floor', 'naive-floor.mts', 'BENCH_FLOOR_PORT', {
    JWT_SECRET: options.jwtSecret,
    JWT_ISSUER: options.jwtIssuer,
    JWT_AUDIENCE: options.jwtAudience,
    REDIS_URL: settings.redisUrl,
    REDIS_KEY_PREFIX: options.redisKeyPrefix,
    BENCH_FLOOR_BODY: options.meBody,
  });
}

/**
 * Creates the database of `databaseUrl` if missing and applies the migrations (scripts/db.mts migrate,
 * idempotent), logging it under `scenario` without its credentials. Throws with the script's output
 * when it fails.
 */
export function migrateDatabase(
  settings: BenchSettings,
  databaseUrl: string,
  scenario: string,
): Promise<void> {
  settings.log(`${scenario}: migrating ${databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
  return migrate(settings.root, databaseUrl);
}

/**
 * Deletes every Redis key under `prefix` (a run's REDIS_KEY_PREFIX: BullMQ's queues, job schedulers,
 * locks, the API's auth state); returns how many.
 */
export function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  return deleteKeys(redisUrl, `${prefix}:`);
}

/**
 * The end of a scenario that made bench accounts: deletes them (sessions, refresh tokens and MFA
 * state cascade) with their addresses' login attempts and throttles, then what `deleteMore` removes
 * (rows of its own, counted per table), then every Redis key under `redisKeyPrefix`, and closes `db`.
 * `db` is undefined when it never connected. Logs what went, or why not, and never throws: a failed
 * clean-up must not hide the scenario's own result or error.
 */
export async function cleanUpBenchAccounts(
  settings: BenchSettings,
  scenario: string,
  run: {
    db: pg.Client | undefined;
    emails: string[];
    redisKeyPrefix: string;
    deleteMore?: (db: pg.Client) => Promise<Record<string, number>>;
  },
): Promise<void> {
  const { db, emails } = run;
  try {
    const rows = db && emails.length > 0 ? await deleteAccounts(db, emails) : {};
    if (db && run.deleteMore) Object.assign(rows, await run.deleteMore(db));
    const keys = await deleteRedisKeys(settings.redisUrl, run.redisKeyPrefix);
    const counts = Object.entries(rows)
      .map(([table, count]) => `${count} ${table}`)
      .join(', ');
    settings.log(`${scenario}: cleaned up ${counts || 'no rows'} and ${keys} Redis keys`);
  } catch (error) {
    settings.log(`${scenario}: clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await db?.end();
  }
}

// The compiled API (CommonJS in dist/), seen through the little the scenarios use of it.
export type ClassToken<T> = abstract new (...args: never[]) => T;

export interface NestApp {
  init(): Promise<unknown>;
  get<T>(token: ClassToken<T>): T;
  close(): Promise<void>;
}

interface ConfigModule {
  loadApiConfig: (env: Record<string, string>) => unknown;
}

interface CreateApiAppModule {
  createApiApp: (config: unknown) => Promise<NestApp>;
}

/** Loads a module of the build (`file` relative to dist/). */
export function requireDist<T>(settings: BenchSettings, file: string): T {
  return createRequire(import.meta.url)(path.join(settings.root, 'dist', file)) as T;
}

/**
 * The API's Nest application in this process, initialised but not listening: the real services
 * (outbox, repositories) for scenarios that drive them directly. Configured from `env` only.
 */
export async function startApiInProcess(
  settings: BenchSettings,
  redisKeyPrefix: string,
  env: Record<string, string> = {},
): Promise<NestApp> {
  createRequire(import.meta.url)('reflect-metadata');
  const { loadApiConfig } = requireDist<ConfigModule>(settings, 'libs/config/src/index.js');
  const { createApiApp } = requireDist<CreateApiAppModule>(settings, 'apps/api/src/create-api-app.js');
  const app = await createApiApp(
    loadApiConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      LOG_PRETTY: 'false',
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      ...env,
    }),
  );
  try {
    await app.init();
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

interface DbModule {
  Database: ClassToken<AccountServices['database']>;
  UserRepository: ClassToken<AccountServices['users']>;
}

interface PasswordHasherModule {
  PasswordHasher: new () => AccountServices['hasher'];
}

/**
 * Runs `work` with the factories' account services taken from the build: the API application in this
 * process (closed afterwards), its repositories and its password hasher, so bench accounts are made
 * exactly as the API makes them, with its argon2 parameters.
 */
export async function withAccountServices<T>(
  settings: BenchSettings,
  redisKeyPrefix: string,
  work: (services: AccountServices) => Promise<T>,
): Promise<T> {
  const app = await startApiInProcess(settings, redisKeyPrefix, { DATABASE_POOL_MAX: '2' });
  try {
    const { Database, UserRepository } = requireDist<DbModule>(settings, 'libs/db/src/index.js');
    const { PasswordHasher } = requireDist<PasswordHasherModule>(
      settings,
      'apps/api/src/auth/passwords/password-hasher.js',
    );
    return await work({
      database: app.get(Database),
      users: app.get(UserRepository),
      hasher: new PasswordHasher(),
    });
  } finally {
    await app.close();
  }
}

/**
 * A bench admin (bench-<scenario>-<random>@example.test, no MFA yet) made by the tests' factories with
 * the build's repositories; cleanUpBenchAccounts deletes it by its address.
 */
export function createBenchAdmin(
  settings: BenchSettings,
  redisKeyPrefix: string,
  scenario: string,
): Promise<TestUser> {
  settings.log(`${scenario}: making the bench admin with the API application in this process`);
  return withAccountServices(settings, redisKeyPrefix, (services) =>
    createActiveAccount(services, { email: uniqueEmail(`bench-${scenario}`), role: 'admin' }),
  );
}
