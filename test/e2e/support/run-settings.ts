// Where this e2e run's data lives. Global setup creates a fresh database and picks a Redis key
// prefix for the run; it hands them to the test files through the environment.
import { randomBytes } from 'node:crypto';

export const RUN_DATABASE_URL = 'RAMPART_E2E_DATABASE_URL';
export const RUN_REDIS_PREFIX = 'RAMPART_E2E_REDIS_PREFIX';

/** The server the run's database is created on (any database on it; the path is replaced). */
export const SERVER_DATABASE_URL =
  process.env.E2E_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomSuffix(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

export function databaseUrlFor(name: string): string {
  const url = new URL(SERVER_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function runDatabaseUrl(): string {
  const url = process.env[RUN_DATABASE_URL];
  if (!url) throw new Error(`${RUN_DATABASE_URL} is not set: run the e2e suites through jest (global setup)`);
  return url;
}

export function runRedisPrefix(): string {
  const prefix = process.env[RUN_REDIS_PREFIX];
  if (!prefix)
    throw new Error(`${RUN_REDIS_PREFIX} is not set: run the e2e suites through jest (global setup)`);
  return prefix;
}
