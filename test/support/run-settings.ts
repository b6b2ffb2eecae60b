// Where this run's data lives. The tiers that touch PostgreSQL and Redis (integration, e2e) each get
// a fresh database and a Redis key prefix per run: their global setup creates them and hands them to
// the test files through the environment, named after the tier. A test file knows its tier from its
// Jest project's `globals` (jest.config.cjs), so `runDatabaseUrl()` is always its own tier's.
import { randomBytes } from 'node:crypto';

export type TestTier = 'integration' | 'e2e';

/** The server the run's databases are created on (any database on it; the path is replaced). */
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

/** The environment variables that carry a tier's run database and Redis key prefix. */
export function runVariables(tier: TestTier): { databaseUrl: string; redisPrefix: string } {
  const name = tier.toUpperCase();
  return { databaseUrl: `RAMPART_${name}_DATABASE_URL`, redisPrefix: `RAMPART_${name}_REDIS_PREFIX` };
}

/** The tier of the test file running now (its project's `globals.RAMPART_TEST_TIER`). */
export function currentTier(): TestTier {
  const tier = (globalThis as { RAMPART_TEST_TIER?: unknown }).RAMPART_TEST_TIER;
  if (tier !== 'integration' && tier !== 'e2e') {
    throw new Error('RAMPART_TEST_TIER is not set: run the integration and e2e suites through jest');
  }
  return tier;
}

function fromSetup(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: run the suites through jest (global setup)`);
  return value;
}

export function runDatabaseUrl(): string {
  return fromSetup(runVariables(currentTier()).databaseUrl);
}

export function runRedisPrefix(): string {
  return fromSetup(runVariables(currentTier()).redisPrefix);
}
