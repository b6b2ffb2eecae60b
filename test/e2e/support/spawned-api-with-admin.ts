import { appEnv, type EnvOverrides } from '../../support/app-env';
import { AppProcess } from './app-process';
import { type TestUser, createActiveUser } from '../../factories';
import { startApiInProcess } from '../../support/in-process-api';
import { type SignedIn, signInWithMfa } from './sign-in';

export interface SpawnedApiWithAdmin {
  api: AppProcess;
  /** An admin whose session passed MFA, signed in through the spawned API. */
  admin: SignedIn;
  /** A plain account to point path parameters at, so no request acts on the admin itself. */
  target: TestUser;
  stop(): Promise<void>;
}

/**
 * The built API as a process, plus an MFA admin and a target account made through an in-process
 * API on the same database and Redis prefix (the factories need the application's internals).
 */
export async function startSpawnedApiWithAdmin(overrides: EnvOverrides = {}): Promise<SpawnedApiWithAdmin> {
  const env = appEnv({ JWT_SECRET: 'e2e-edge-jwt-secret-that-is-long-enough-0123', ...overrides });
  const factory = await startApiInProcess(env);
  let adminUser: TestUser;
  let target: TestUser;
  try {
    adminUser = await createActiveUser(factory.app, { role: 'admin' });
    target = await createActiveUser(factory.app);
  } finally {
    await factory.close();
  }
  const api = await AppProcess.start('api', env);
  try {
    const admin = await signInWithMfa(api.url, adminUser);
    return { api, admin, target, stop: () => api.stop() };
  } catch (error) {
    await api.stop();
    throw error;
  }
}
