// The servers the benchmarks run against, each as its own child process on a free 127.0.0.1 port,
// and the database they need.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, ServerProcess, type BenchSettings } from './lib.mts';

export const API_LOG_LEVEL = 'warn';

/**
 * The real API from the build (dist/apps/api/src/main.js), ready once /health/live answers 200.
 * NODE_ENV=test, request logging at warn, a Redis key prefix of its own. The API checks at startup
 * that the PostgreSQL and Redis ports answer; only /health/ready and real routes need the migrated
 * database.
 */
export async function startApi(
  settings: BenchSettings,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const server = new ServerProcess({
    name: 'api',
    args: [path.join(settings.root, 'dist/apps/api/src/main.js')],
    cwd: settings.root,
    url: `http://127.0.0.1:${port}`,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: API_LOG_LEVEL,
      LOG_PRETTY: 'false',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: `rampart-bench-${randomBytes(4).toString('hex')}`,
      ...env,
    },
  });
  try {
    await server.waitUntilReady('/health/live');
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * A bare Fastify 5 server (scripts/bench/bare-fastify.mts) with the same GET /__healthz. Its text runs
 * through --eval as plain JavaScript, so Node's TypeScript stripper does not inflate the baseline's RSS.
 */
export async function startBareFastify(settings: BenchSettings): Promise<ServerProcess> {
  const port = await freePort();
  const source = await readFile(path.join(settings.root, 'scripts/bench/bare-fastify.mts'), 'utf8');
  const server = new ServerProcess({
    name: 'bare',
    args: ['--input-type=module', '--eval', source],
    cwd: settings.root,
    url: `http://127.0.0.1:${port}`,
    env: { BENCH_BARE_PORT: String(port) },
  });
  try {
    await server.waitUntilReady('/__healthz');
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * Creates the database of `databaseUrl` if missing and applies the migrations (scripts/db.mts migrate,
 * idempotent). Throws with the script's output when it fails.
 */
export async function migrateDatabase(settings: BenchSettings, databaseUrl: string): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      ['--no-warnings', path.join(settings.root, 'scripts/db.mts'), 'migrate'],
      { cwd: settings.root, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 60_000 },
    );
  } catch (error) {
    const failure = error as { message?: string; stdout?: string; stderr?: string };
    const output = [failure.stderr, failure.stdout].filter((text) => text?.trim()).join('\n');
    throw new Error(`scripts/db.mts migrate failed: ${failure.message ?? String(error)}\n${output}`, {
      cause: error,
    });
  }
}

/**
 * Deletes every Redis key under `prefix` (a run's REDIS_KEY_PREFIX: BullMQ's queues, job schedulers,
 * locks, the API's auth state); returns how many.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/**
 * The real worker from the build (dist/apps/worker/src/main.js), ready once /health/ready answers 200
 * (PostgreSQL and Redis answer and every queue consumer runs). NODE_ENV=test, logging at warn; `env`
 * must at least name the Redis key prefix and the SMTP server.
 */
export async function startWorker(
  settings: BenchSettings,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const server = new ServerProcess({
    name: 'worker',
    args: [path.join(settings.root, 'dist/apps/worker/src/main.js')],
    cwd: settings.root,
    url: `http://127.0.0.1:${port}`,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      WORKER_HOST: '127.0.0.1',
      WORKER_PORT: String(port),
      ...env,
    },
  });
  try {
    await server.waitUntilReady('/health/ready');
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
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
