// Base backups and point-in-time restore of Rampart's PostgreSQL (docs/backup-and-restore.md).
//
//   node scripts/db-backup.mts backup [--dir <backups>]
//       a verified base backup of DATABASE_URL's server in <backups>/base-<UTC time>/ (default dir:
//       $BACKUP_DIR, else .data/backups). Plain format with the WAL it needs (pg_basebackup -Fp -X stream),
//       checked against its manifest by pg_verifybackup.
//   node scripts/db-backup.mts restore --to <ISO time> --backup <dir> --archive <dir> --target-dir <dir>
//                                      [--port <port>] [--start] [--run-as <user>]
//       a data directory in <target-dir> that recovers to <time> from the base backup and the WAL archive
//       on its first start, then promotes; with --start, starts it (pg_ctl) and waits until it accepts
//       writes. Archiving is switched off in the copy: a restored server must not write into the archive
//       of the one it was restored from.
//
// PostgreSQL's client and server programs come from --pg-bin / $PG_BIN_DIR, else PATH, else the newest
// /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root: as root, the restored data
// directory is handed to --run-as (default `postgres`) and pg_ctl runs as that user.
// Plain TypeScript that Node strips and runs as it is, so the e2e drill runs this very script.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/rampart';
/** How long --start waits for recovery to reach the target and promote. */
const START_TIMEOUT_S = 600;

/** A mistake in what the operator asked for: printed as one line, without a stack trace. */
class UsageError extends Error {}

type Options = Record<string, string | true>;

const FLAGS = new Set(['start']);

function parseOptions(args: string[]): Options {
  const options: Options = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const name = arg.slice(2);
    if (FLAGS.has(name)) {
      options[name] = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    options[name] = value;
    i++;
  }
  return options;
}

function stringOption(options: Options, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

function requiredOption(options: Options, name: string): string {
  const value = stringOption(options, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function refuseUnknown(options: Options, known: string[]): void {
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length) throw new UsageError(`unknown option --${unknown[0]}`);
}

/** The directory of PostgreSQL's programs (see the header). */
async function pgBinDir(options: Options): Promise<string> {
  const chosen = stringOption(options, 'pg-bin') ?? process.env.PG_BIN_DIR;
  if (chosen) {
    if (!existsSync(path.join(chosen, 'pg_basebackup'))) {
      throw new UsageError(`no pg_basebackup in ${chosen} (--pg-bin / PG_BIN_DIR)`);
    }
    return chosen;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'pg_basebackup')) && existsSync(path.join(dir, 'pg_ctl')))
      return dir;
  }
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => `/usr/lib/postgresql/${version}/bin`)
    .find((dir) => existsSync(path.join(dir, 'pg_basebackup')));
  if (!newest) throw new UsageError('PostgreSQL programs not found: set --pg-bin or PG_BIN_DIR');
  return newest;
}

/** Runs a program; on failure, throws with what it wrote to stderr (never the environment). */
async function run(
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(program, args, { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    const detail = failure.stderr?.trim() || failure.message || String(error);
    throw new Error(`${path.basename(program)} failed: ${detail}`, { cause: error });
  }
}

/** `2026-11-30T14:51:33.123Z` as `20261130T145133Z`: sortable, and safe in a file name. */
function compactUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The connection for pg_basebackup: the URL without its password (which goes in PGPASSWORD, so it
 * never shows in the process list) and the environment that carries it.
 */
function connection(url: string): { conninfo: string; env: NodeJS.ProcessEnv; shown: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('DATABASE_URL is not a URL');
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new UsageError('DATABASE_URL is not a PostgreSQL URL');
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { conninfo: parsed.toString(), env, shown: parsed.toString() };
}

async function backup(options: Options): Promise<number> {
  refuseUnknown(options, ['dir', 'pg-bin']);
  const bin = await pgBinDir(options);
  const { conninfo, env, shown } = connection(process.env.DATABASE_URL ?? DEFAULT_URL);
  const root = path.resolve(
    stringOption(options, 'dir') ?? process.env.BACKUP_DIR ?? path.join(ROOT, '.data/backups'),
  );
  const startedAt = new Date();
  const target = path.join(root, `base-${compactUtc(startedAt)}`);
  if (existsSync(target)) throw new UsageError(`${target} exists already`);
  await mkdir(root, { recursive: true });
  console.log(`db-backup: base backup of ${shown} into ${target}`);
  try {
    // Plain format, so pg_verifybackup (PostgreSQL 15) can check every file; -X stream takes the WAL
    // written during the copy, so the backup is consistent on its own even without the archive.
    await run(
      path.join(bin, 'pg_basebackup'),
      [
        '--dbname',
        conninfo,
        '--pgdata',
        target,
        '--format=plain',
        '--wal-method=stream',
        '--checkpoint=fast',
        '--manifest-checksums=SHA256',
        `--label=rampart-${compactUtc(startedAt)}`,
        '--no-password',
      ],
      env,
    );
    await run(path.join(bin, 'pg_verifybackup'), ['--quiet', target]);
  } catch (error) {
    // Half a backup is worse than none: it looks like one.
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  const label = await readBackupLabel(target);
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(1);
  console.log(
    `db-backup: verified ${target} (start ${label.startTime}, WAL from ${label.startLsn}) in ${seconds} s`,
  );
  return 0;
}

interface BackupLabel {
  /** `START TIME` of backup_label, e.g. `2026-11-30 14:51:33 UTC`. */
  startTime: string;
  startLsn: string;
}

async function readBackupLabel(dir: string): Promise<BackupLabel> {
  const text = await readFile(path.join(dir, 'backup_label'), 'utf8').catch(() => {
    throw new UsageError(`${dir} is not a base backup (no backup_label): pass a directory made by db:backup`);
  });
  const startTime = /^START TIME: (.+)$/m.exec(text)?.[1];
  const startLsn = /^START WAL LOCATION: (\S+)/m.exec(text)?.[1];
  if (!startTime || !startLsn) throw new UsageError(`${dir}/backup_label is not readable`);
  return { startTime, startLsn };
}

/** A value for postgresql.conf: single-quoted, quotes doubled. */
function confString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The operator's ISO time as PostgreSQL takes it in recovery_target_time: a space for the `T`, and
 * `Z` as `+00`, because zone abbreviations (Z is one to PostgreSQL) are not loaded when the server
 * reads its settings at start-up. The fraction is kept as given: microseconds matter when the target
 * was read from now() between two commits.
 */
function recoveryTargetTime(iso: string): string {
  return iso
    .trim()
    .replace(/^(\d{4}-\d\d-\d\d)T/i, '$1 ')
    .replace(/z$/i, '+00');
}

function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** pg_ctl as the owner of the data directory (see the header). */
async function pgCtl(bin: string, runAs: string | null, args: string[]): Promise<void> {
  const program = path.join(bin, 'pg_ctl');
  if (runAs) await run('runuser', ['-u', runAs, '--', program, ...args]);
  else await run(program, args);
}

async function restore(options: Options): Promise<number> {
  refuseUnknown(options, ['to', 'backup', 'archive', 'target-dir', 'port', 'start', 'run-as', 'pg-bin']);
  const to = requiredOption(options, 'to');
  const toDate = new Date(to);
  if (Number.isNaN(toDate.getTime())) {
    throw new UsageError(`--to "${to}" is not a time: use ISO 8601 with a zone, e.g. 2026-11-30T14:05:00Z`);
  }
  if (!/(Z|[+-]\d\d(:?\d\d)?)$/i.test(to.trim())) {
    throw new UsageError(`--to "${to}" has no time zone: add Z or an offset (+01:00), so nobody guesses`);
  }
  if (toDate.getTime() > Date.now()) throw new UsageError(`--to "${to}" is in the future`);
  const backupDir = path.resolve(requiredOption(options, 'backup'));
  const archiveDir = path.resolve(requiredOption(options, 'archive'));
  const targetDir = path.resolve(requiredOption(options, 'target-dir'));
  const portText = stringOption(options, 'port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new UsageError(`--port "${portText}" is not a TCP port`);
  }
  const label = await readBackupLabel(backupDir);
  const backupStart = new Date(label.startTime.replace(/ UTC$/, 'Z').replace(' ', 'T'));
  if (!Number.isNaN(backupStart.getTime()) && toDate.getTime() < backupStart.getTime()) {
    throw new UsageError(
      `--to ${to} is before the backup started (${label.startTime}): pick an older base backup`,
    );
  }
  if (!existsSync(archiveDir)) throw new UsageError(`--archive ${archiveDir} does not exist`);
  const archived = await readdir(archiveDir);
  if (!archived.some((name) => /^[0-9A-F]{24}$/.test(name))) {
    throw new UsageError(`--archive ${archiveDir} holds no WAL segments`);
  }
  if (existsSync(targetDir) && (await readdir(targetDir)).length > 0) {
    throw new UsageError(`--target-dir ${targetDir} is not empty: restore into a fresh directory`);
  }
  const bin = await pgBinDir(options);
  const runAs = runningAsRoot() ? (stringOption(options, 'run-as') ?? 'postgres') : null;

  const startedAt = Date.now();
  await cp(backupDir, targetDir, { recursive: true });
  // The manifest belongs to the backup, not to a server; a server's data directory has none.
  await rm(path.join(targetDir, 'backup_manifest'), { force: true });
  const settings = [
    '',
    `# Point-in-time restore by scripts/db-backup.mts at ${new Date().toISOString()}`,
    `restore_command = ${confString(`cp "${archiveDir}/%f" "%p"`)}`,
    `recovery_target_time = ${confString(recoveryTargetTime(to))}`,
    "recovery_target_action = 'promote'",
    // The restored server runs on a new timeline; it must not write it into the source's archive.
    "archive_mode = 'off'",
    ...(port === undefined ? [] : [`port = ${port}`]),
    '',
  ];
  await appendFile(path.join(targetDir, 'postgresql.auto.conf'), settings.join('\n'));
  await writeFile(path.join(targetDir, 'recovery.signal'), '');
  if (runAs) await run('chown', ['-R', `${runAs}:`, targetDir]);
  await run('chmod', ['0700', targetDir]);
  console.log(
    `db-backup: ${targetDir} recovers to ${to} from ${backupDir} (WAL from ${label.startLsn}) and ${archiveDir}`,
  );

  if (options.start !== true) {
    console.log(
      `db-backup: start it with: pg_ctl -D ${targetDir} -l ${targetDir}/restore.log start` +
        (runAs ? ` (as ${runAs})` : ''),
    );
    return 0;
  }
  const logFile = path.join(targetDir, 'restore.log');
  try {
    await pgCtl(bin, runAs, ['-D', targetDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S), 'start']);
    await waitForPromotion(bin, targetDir);
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    const tail = log.trim().split('\n').slice(-8).join('\n');
    const hint = log.includes('recovery ended before configured recovery target was reached')
      ? '\nThe archive ends before --to: no commit after that time was archived yet. Wait for ' +
        'archive_timeout (or run SELECT pg_switch_wal() on the source), or pick an earlier time.'
      : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tail}${hint}`, {
      cause: error,
    });
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  const stopped = /recovery stopping (?:before|after) [^\n]*/.exec(log)?.[0];
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`db-backup: restored and promoted in ${seconds} s${stopped ? ` (${stopped})` : ''}`);
  return 0;
}

/**
 * Waits until the server has left recovery (reached the target and promoted), read from its control
 * file: no connection, so no credentials needed.
 */
async function waitForPromotion(bin: string, dataDir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_S * 1000;
  for (;;) {
    const { stdout } = await run(path.join(bin, 'pg_controldata'), ['-D', dataDir]);
    if (/^Database cluster state:\s+in production$/m.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`recovery did not finish within ${START_TIMEOUT_S} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const USAGE =
  'usage: node scripts/db-backup.mts backup [--dir <backups>]\n' +
  '       node scripts/db-backup.mts restore --to <ISO time> --backup <dir> --archive <dir> --target-dir <dir> ' +
  '[--port <port>] [--start] [--run-as <user>]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'backup':
      return backup(parseOptions(rest));
    case 'restore':
      return restore(parseOptions(rest));
    default:
      throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const usage = error instanceof UsageError;
      console.error(`db-backup: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(usage ? 2 : 1);
    },
  );
}
