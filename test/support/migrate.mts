// Plain TypeScript that Node strips and runs as it is (see free-port.mts): the benchmarks and the
// tests' global setup migrate their databases the same way.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Creates the database of `databaseUrl` if missing and applies the migrations (scripts/db.mts migrate
 * under `root`, idempotent). Throws with the script's output when it fails.
 */
export async function migrateDatabase(root: string, databaseUrl: string): Promise<void> {
  try {
    await promisify(execFile)(
      process.execPath,
      ['--no-warnings', path.join(root, 'scripts/db.mts'), 'migrate'],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl },
        timeout: 60_000,
      },
    );
  } catch (error) {
    const failure = error as { message?: string; stdout?: string; stderr?: string };
    const output = [failure.stderr, failure.stdout].filter((text) => text?.trim()).join('\n');
    throw new Error(`scripts/db.mts migrate failed: ${failure.message ?? String(error)}\n${output}`, {
      cause: error,
    });
  }
}
