import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { RUN_DATABASE_URL, RUN_REDIS_PREFIX, databaseUrlFor, randomSuffix } from './run-settings';

const ROOT = path.resolve(__dirname, '../../..');

/** A fresh, migrated database and a Redis key prefix of this run's own. */
export default function globalSetup(): void {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const databaseUrl = databaseUrlFor(`rampart_e2e_${stamp}_${randomSuffix()}`);
  execFileSync(process.execPath, ['--no-warnings', path.join(ROOT, 'scripts/db.mts'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env[RUN_DATABASE_URL] = databaseUrl;
  process.env[RUN_REDIS_PREFIX] = `rampart-e2e-${stamp}-${randomSuffix()}`;
}
