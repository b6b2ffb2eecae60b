// A server running as a child process of the test runner or of the benchmark: Rampart's built apps
// (the e2e suites, npm run bench) and the benchmark's bare Fastify. Plain TypeScript that Node strips
// and runs as it is (see free-port.mts).
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port.mts';
import { httpRequest } from './http-request.mts';

const STOP_GRACE_MS = 5_000;

export interface ServerProcessOptions {
  /** Label for messages, e.g. 'api'. */
  name: string;
  /** Arguments to the node binary running this process (process.execPath). */
  args: string[];
  cwd: string;
  /** The child's whole environment: nothing else of this process's is passed on. */
  env: NodeJS.ProcessEnv;
  /** The 127.0.0.1 port the server listens on (the caller tells it, through `args` or `env`). */
  port: number;
  /** How many lines of output to keep, the oldest dropped first; every line when unset. */
  keepLines?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server in a child process: its own event loop, its own RSS, its output kept. Stop it with stop(). */
export class ServerProcess {
  readonly name: string;
  readonly port: number;
  /** What the process wrote to stdout and stderr, line by line, in the order it arrived. */
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  private readonly keepLines: number;
  private readonly exited: Promise<ProcessExit>;
  private exitDescription: string | undefined;

  constructor(options: ServerProcessOptions) {
    this.name = options.name;
    this.port = options.port;
    this.keepLines = options.keepLines ?? Number.POSITIVE_INFINITY;
    this.child = spawn(process.execPath, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        this.keep(lines);
      });
      stream?.on('end', () => this.keep([partial]));
    }
    // 'close', not 'exit': by then stdout and stderr have ended, so the output is complete.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exitDescription = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve({ code, signal });
      });
      this.child.once('error', (error) => {
        this.exitDescription = `spawn failed: ${error.message}`;
        resolve({ code: null, signal: null });
      });
    });
  }

  private keep(lines: string[]): void {
    this.output.push(...lines.filter(Boolean));
    if (this.output.length > this.keepLines) this.output.splice(0, this.output.length - this.keepLines);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: the process did not start`);
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.exitDescription === undefined;
  }

  /** The output as one text, for error messages. */
  outputText(): string {
    return this.output.length > 0 ? this.output.join('\n') : `(${this.name} wrote nothing)`;
  }

  /** Polls `route` every 100 ms until it answers 200; throws with the process's output otherwise. */
  async waitUntilReady(route: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.isRunning) {
        throw new Error(
          `${this.name} exited (${this.exitDescription}) before ${route} answered 200:\n${this.outputText()}`,
        );
      }
      try {
        const response = await httpRequest(`${this.url}${route}`, { timeoutMs: 1_000 });
        if (response.status === 200) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `${this.name}: ${this.url}${route} did not answer 200 within ${timeoutMs / 1000} s ` +
        `(last: ${lastProblem}):\n${this.outputText()}`,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit code (or the signal that ended it) once the process is gone. */
  waitForExit(): Promise<ProcessExit> {
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort from a synchronous 'exit' handler. */
  killNow(): void {
    if (this.isRunning) this.child.kill('SIGKILL');
  }
}

export type AppName = 'api' | 'worker';

/**
 * The API's node flags, as docker/Dockerfile.api and `npm run start:api` start it (a test keeps the
 * three equal): a young generation of at most 2 x 16 MiB, since V8's default grew it to 64 MiB, which
 * held about 75 MiB more RSS under load for no measurable throughput; and no allocation-site
 * pretenuring, which put about one process in six into a slow mode for its whole life
 * (docs/performance.md).
 */
export const API_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=16',
  '--no-allocation-site-pretenuring',
];

/**
 * One of Rampart's built apps (dist/apps/<name>/src/main.js under `root`) on a free port of
 * 127.0.0.1, started but not waited for. `env` is its whole environment; the port is added.
 * `nodeArgs` go to node before the script (e.g. --cpu-prof).
 */
export async function spawnApp(
  root: string,
  name: AppName,
  env: NodeJS.ProcessEnv,
  options: { keepLines?: number; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const { nodeArgs = [], ...rest } = options;
  return new ServerProcess({
    name,
    args: [
      ...(name === 'api' ? API_NODE_FLAGS : []),
      ...nodeArgs,
      path.join(root, `dist/apps/${name}/src/main.js`),
    ],
    cwd: root,
    env: { ...env, [name === 'api' ? 'API_PORT' : 'WORKER_PORT']: String(port) },
    port,
    ...rest,
  });
}
