// PostgreSQL servers of a test's own, for the drills that need what the shared server must not be put
// through: WAL archiving, base backups, a restore into a fresh cluster, being stopped. Each lives in a
// temporary directory and listens on a free port of 127.0.0.1, with trust authentication.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../support/free-port.mts';

/** Where Debian's PostgreSQL 15 puts its server programs; PG_BIN_DIR points elsewhere. */
export const PG_BIN_DIR = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/** PostgreSQL refuses to run as root: as root, its programs run as this user. */
const SERVER_USER = 'postgres';

function asRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs one of PostgreSQL's server programs as the server's user; throws with its stderr. */
export async function runPg(program: string, args: string[]): Promise<string> {
  const file = path.join(PG_BIN_DIR, program);
  const [command, commandArgs] = asRoot()
    ? ['runuser', ['-u', SERVER_USER, '--', file, ...args]]
    : [file, args];
  try {
    const { stdout } = await promisify(execFile)(command, commandArgs, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    throw new Error(`${program} failed: ${failure.stderr?.trim() || failure.message}`, { cause: error });
  }
}

/** Hands a path to the server's user (as root); a no-op otherwise. */
export async function giveToServerUser(target: string): Promise<void> {
  if (asRoot()) await promisify(execFile)('chown', ['-R', `${SERVER_USER}:`, target]);
}

/** A temporary directory the server's user owns, for data directories, archives and backups. */
export async function serverWorkspace(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `rampart-${label}-`));
  await giveToServerUser(dir);
  return dir;
}

export interface ClusterOptions {
  /** Lines for postgresql.conf beyond the port and listening address. */
  settings?: Record<string, string | number>;
  /** WAL segment size in MB (initdb --wal-segsize): small segments keep a drill's archive small. */
  walSegmentMb?: number;
}

/** One PostgreSQL server: its data directory, port and log. */
export class PostgresCluster {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  /** initdb into `<workspace>/<name>` with trust authentication, then start it. */
  static async create(
    workspace: string,
    name: string,
    options: ClusterOptions = {},
  ): Promise<PostgresCluster> {
    const dataDir = path.join(workspace, name);
    await runPg('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      `--wal-segsize=${options.walSegmentMb ?? 16}`,
    ]);
    const port = await freePort();
    const sockets = path.join(workspace, 'sockets');
    await mkdir(sockets, { recursive: true });
    await giveToServerUser(sockets);
    const settings: Record<string, string | number> = {
      port,
      listen_addresses: "'127.0.0.1'",
      // A directory of the drill's own: never next to the shared server's socket.
      unix_socket_directories: `'${sockets}'`,
      ...options.settings,
    };
    const conf = Object.entries(settings)
      .map(([key, value]) => `${key} = ${value}`)
      .join('\n');
    await appendAsServerUser(path.join(dataDir, 'postgresql.auto.conf'), `\n${conf}\n`);
    const cluster = new PostgresCluster(dataDir, port);
    await cluster.start();
    return cluster;
  }

  /** A data directory prepared (and perhaps started) elsewhere, e.g. by scripts/db-backup.mts restore. */
  static adopt(dataDir: string, port: number): PostgresCluster {
    return new PostgresCluster(dataDir, port);
  }

  get logFile(): string {
    return `${this.dataDir}.log`;
  }

  /** The URL of a database on this server. */
  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await runPg('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** Stops the server; `immediate` is a crash as far as the data directory knows. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await runPg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']).catch(() => undefined);
  }

  /** One statement on `database`, on a connection of its own. */
  async query<R extends pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    database = 'rampart',
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}

/** Appends to a file the server's user owns (postgresql.auto.conf), as that user. */
async function appendAsServerUser(file: string, text: string): Promise<void> {
  const script = 'cat >> "$1"';
  const [command, args] = asRoot()
    ? ['runuser', ['-u', SERVER_USER, '--', 'sh', '-c', script, 'sh', file]]
    : ['sh', ['-c', script, 'sh', file]];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(command, args, (error: Error | null) => (error ? reject(error) : resolve()));
    child.stdin?.end(text);
  });
}

/** Removes a workspace made by serverWorkspace (after its clusters stopped). */
export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
