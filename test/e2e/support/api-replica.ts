import path from 'node:path';
import { ServerProcess } from '../../support/server-process.mts';
import { AppProcess } from './app-process';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * An API replica behind nginx. The first start takes a free port; a restart (the rolling update)
 * must come back on the same one, as a recreated container keeps its service address, because the
 * upstream names it.
 */
export async function startApiReplica(env: Record<string, string>, port?: number): Promise<AppProcess> {
  if (port === undefined) return AppProcess.start('api', env);
  const replica = new ServerProcess({
    name: `api:${port}`,
    args: [path.join(ROOT, 'dist/apps/api/src/main.js')],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, API_PORT: String(port) },
    port,
  });
  try {
    await replica.waitUntilReady('/health/live', 20_000);
  } catch (error) {
    await replica.stop();
    throw error;
  }
  return replica;
}
