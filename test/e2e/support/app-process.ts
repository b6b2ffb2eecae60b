import path from 'node:path';
import { type AppName, type ServerProcess, spawnApp } from '../../support/server-process.mts';

const ROOT = path.resolve(__dirname, '../../..');

export type { AppName };

/**
 * One of Rampart's apps as a real OS process, started from the build in dist/ with the given
 * environment (PATH and HOME come from the test runner, nothing else of its own). Its output is
 * kept for assertions (`output`, one entry per line).
 */
export type AppProcess = ServerProcess;

function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
}

export const AppProcess = {
  /** Starts the app on a free port without waiting for it. */
  spawn(name: AppName, env: Record<string, string>): Promise<AppProcess> {
    return spawnApp(ROOT, name, childEnv(env));
  },

  /** Starts the app and waits until /health/live answers; stops it when it does not come up. */
  async start(name: AppName, env: Record<string, string>, timeoutMs = 20_000): Promise<AppProcess> {
    const app = await AppProcess.spawn(name, env);
    try {
      await app.waitUntilReady('/health/live', timeoutMs);
    } catch (error) {
      await app.stop();
      throw error;
    }
    return app;
  },
};

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
