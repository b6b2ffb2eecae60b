import path from 'node:path';
import type { Config } from '@jest/types';
import { migrateDatabase } from './migrate.mts';
import { type TestTier, databaseUrlFor, randomSuffix, runVariables } from './run-settings';

const ROOT = path.resolve(__dirname, '../..');

/** The tier a project is, by its displayName in jest.config.cjs. */
export function tierOf(project: Config.ProjectConfig): TestTier {
  const name = project.displayName?.name;
  if (name !== 'integration' && name !== 'e2e') throw new Error(`no run database for project ${name}`);
  return name;
}

/**
 * A fresh, migrated database and a Redis key prefix of this run's own, for the project's tier (Jest
 * runs this once per project that has tests to run, before any test).
 */
export default async function globalSetup(
  _: Config.GlobalConfig,
  project: Config.ProjectConfig,
): Promise<void> {
  const tier = tierOf(project);
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const databaseUrl = databaseUrlFor(`rampart_${tier}_${stamp}_${randomSuffix()}`);
  await migrateDatabase(ROOT, databaseUrl);
  const variables = runVariables(tier);
  process.env[variables.databaseUrl] = databaseUrl;
  process.env[variables.redisPrefix] = `rampart-${tier}-${stamp}-${randomSuffix()}`;
}
