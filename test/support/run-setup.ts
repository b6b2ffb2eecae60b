import path from 'node:path';
import { migrateDatabase } from './migrate.mts';
import { type TestTier, databaseUrlFor, randomSuffix, runVariables } from './run-settings';

const ROOT = path.resolve(__dirname, '../..');

/**
 * A fresh, migrated database and a Redis key prefix of this run's own, for one tier. Each tier's
 * project names a module of its own that calls this (Jest runs a global setup module once per run,
 * however many projects name it).
 */
export async function setUpRun(tier: TestTier): Promise<void> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const databaseUrl = databaseUrlFor(`rampart_${tier}_${stamp}_${randomSuffix()}`);
  await migrateDatabase(ROOT, databaseUrl);
  const variables = runVariables(tier);
  process.env[variables.databaseUrl] = databaseUrl;
  process.env[variables.redisPrefix] = `rampart-${tier}-${stamp}-${randomSuffix()}`;
}
