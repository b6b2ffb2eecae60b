import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Database, type Role, UserRepository } from '@rampart/db';
import { PasswordHasher } from '../../../apps/api/src/auth/passwords/password-hasher';
import { randomSuffix } from './run-settings';

export const DEFAULT_PASSWORD = 'violet-harbour-lantern-93';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/**
 * An active, verified account written through the application's own repositories and hasher (no
 * sign-up round trip), for suites that start after registration. Each call makes a fresh address.
 */
export async function createActiveUser(
  app: NestFastifyApplication,
  options: { email?: string; password?: string; role?: Role } = {},
): Promise<TestUser> {
  const email = options.email ?? `user-${randomSuffix()}@example.test`;
  const password = options.password ?? DEFAULT_PASSWORD;
  const passwordHash = await app.get(PasswordHasher).hash(password);
  const users = app.get(UserRepository);
  const user = await app.get(Database).transaction(async (tx) => {
    const created = await users.createUnverified(email, passwordHash, tx);
    if (!created) throw new Error(`factory: ${email} exists`);
    await users.markEmailVerified(created.id, tx);
    if (options.role) await users.setRole(created.id, options.role, tx);
    return created;
  });
  return { id: user.id, email, password };
}
