import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port';

const ROOT = path.resolve(__dirname, '../../..');
const ENTRY = {
  api: 'dist/apps/api/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
} as const;

export type AppName = keyof typeof ENTRY;

/**
 * One of Rampart's apps as a real OS process, started from the build in dist/ with the given
 * environment (PATH and friends come from the test runner). Its output is kept for assertions.
 */
export class AppProcess {
  readonly output: string[] = [];
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer): void => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts the app on a free port without waiting for it. */
  static async spawn(name: AppName, env: Record<string, string>): Promise<AppProcess> {
    const port = await freePort();
    const portVariable = name === 'api' ? 'API_PORT' : 'WORKER_PORT';
    const child = spawn(process.execPath, [path.join(ROOT, ENTRY[name])], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...env,
        [portVariable]: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(name, port, child);
  }

  /** Starts the app and waits until /health/live answers. */
  static async start(name: AppName, env: Record<string, string>, timeoutMs = 20_000): Promise<AppProcess> {
    const app = await AppProcess.spawn(name, env);
    await app.waitForLive(timeoutMs);
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async waitForLive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline && !exited) {
      const ok = await fetch(`${this.url}/health/live`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `${this.name} did not come up (${exited ? 'it exited' : 'timed out'}):\n${this.output.join('\n')}`,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the exit code (or the signal that ended it). */
  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** Ends the process if it still runs: SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs an app to completion (for apps expected to refuse to start) and returns its code and output. */
export async function runToExit(
  name: AppName,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; output: string[] }> {
  const app = await AppProcess.spawn(name, env);
  const timer = setTimeout(() => app.signal('SIGKILL'), timeoutMs);
  const { code } = await app.waitForExit();
  clearTimeout(timer);
  return { code, output: app.output };
}
