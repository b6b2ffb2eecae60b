import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { databaseUrlFor, randomSuffix, SERVER_DATABASE_URL } from '../../support/run-settings';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

async function db(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--no-warnings', path.join(ROOT, 'scripts/db.mts'), ...args],
      {
        env: { ...process.env, ...env },
      },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout + failed.stderr };
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const databaseUrl = databaseUrlFor(`rampart_migrations_${randomSuffix()}`);

  afterAll(async () => {
    const name = new URL(databaseUrl).pathname.slice(1);
    await query(SERVER_DATABASE_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('creates the database, applies every migration once, and applies nothing the second time', async () => {
    const directories = (await readdir(path.join(ROOT, 'prisma/migrations'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(directories.length).toBeGreaterThan(0);

    const first = await db(['migrate'], { DATABASE_URL: databaseUrl });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${directories.length} migration(s)`);

    const second = await db(['migrate'], { DATABASE_URL: databaseUrl });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('is up to date, nothing to apply');

    // Prisma's own bookkeeping: one finished row per migration, with the SHA-256 of its SQL.
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      databaseUrl,
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(directories);
    for (const row of rows) {
      const sql = await readFile(path.join(ROOT, 'prisma/migrations', row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('finds no drift between schema.prisma and the migrations', async () => {
    const result = await db(['drift'], { DATABASE_URL: databaseUrl });
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining('no drift') as string });
  });

  it('reports drift, with the SQL it would take, when the schema changes without a migration', async () => {
    const schema = await readFile(path.join(ROOT, 'prisma/schema.prisma'), 'utf8');
    const edited = `${schema}\nmodel DriftProbe {\n  id Int @id\n\n  @@map("drift_probe")\n}\n`;
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-drift-'));
    const editedPath = path.join(dir, 'schema.prisma');
    await writeFile(editedPath, edited);
    const result = await db(['drift'], { DATABASE_URL: databaseUrl, PRISMA_SCHEMA_PATH: editedPath });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('CREATE TABLE "drift_probe"');
  });

  it('refuses to write a destructive migration unless it is marked as a contract step', async () => {
    const schema = await readFile(path.join(ROOT, 'prisma/schema.prisma'), 'utf8');
    const edited = schema.replace(/^\s*lastCharge\s.*$/m, '');
    expect(edited).not.toBe(schema);
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-contract-'));
    const editedPath = path.join(dir, 'schema.prisma');
    await writeFile(editedPath, edited);
    const before = await readdir(path.join(ROOT, 'prisma/migrations'));

    const result = await db(['create', 'drop_last_charge'], {
      DATABASE_URL: databaseUrl,
      PRISMA_SCHEMA_PATH: editedPath,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('refused: the migration would be destructive');
    expect(result.stdout).toMatch(/_drop_last_charge\/migration\.sql:\d+: DROP COLUMN last_charge/);
    expect(result.stdout).toContain('--contract <release or migration that shipped the expand step>');
    expect(await readdir(path.join(ROOT, 'prisma/migrations'))).toEqual(before);
  });
});
