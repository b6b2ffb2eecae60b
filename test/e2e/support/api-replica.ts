import path from 'node:path';
import { type TestUser, createActiveUser } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { API_NODE_FLAGS, ServerProcess } from '../../support/server-process.mts';
import { AppProcess } from './app-process';
import { NginxServer } from './nginx-server';
import { type TestCertificates, generateTestCertificates } from './tls-certs';

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
    // The node flags of every other API start (the Dockerfile's), as the first start of the replica has.
    args: [...API_NODE_FLAGS, path.join(ROOT, 'dist/apps/api/src/main.js')],
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

/** Two API replicas behind nginx (the production config, the test's certificates) and a user to sign in. */
export interface EdgeStack {
  certificates: TestCertificates;
  user: TestUser;
  /** The replicas nginx proxies to, in upstream order; a rolling update replaces entries in place. */
  replicas: AppProcess[];
  nginx: NginxServer;
  /** nginx first, then whatever replicas the array holds by then. */
  stop(): Promise<void>;
}

export async function startEdgeStack(env: Record<string, string>): Promise<EdgeStack> {
  const certificates = await generateTestCertificates();
  const factory = await startApiInProcess(env);
  let user: TestUser;
  try {
    user = await createActiveUser(factory.app);
  } finally {
    await factory.close();
  }
  const replicas = await Promise.all([startApiReplica(env), startApiReplica(env)]);
  const nginx = await NginxServer.start({
    upstreams: replicas.map((replica) => `127.0.0.1:${replica.port}`),
    certificates,
  }).catch(async (error: unknown) => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    throw error;
  });
  return {
    certificates,
    user,
    replicas,
    nginx,
    async stop() {
      await nginx.stop();
      await Promise.all(replicas.map((replica) => replica.stop()));
    },
  };
}
