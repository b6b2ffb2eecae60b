import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Database, MfaRepository, type Role, UserRepository } from '@rampart/db';
import { generateRecoveryCodes, hashRecoveryCode } from '../../../apps/api/src/auth/mfa/recovery-codes';
import { SecretBox, TOTP_SECRET_PURPOSE } from '../../../apps/api/src/auth/mfa/secret-box';
import { generateTotpSecret, totpTimeStep } from '../../../apps/api/src/auth/mfa/totp';
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

/** An unverified account, as a sign-up leaves it before its link is clicked (no worker round trip). */
export async function createPendingUser(app: NestFastifyApplication): Promise<TestUser> {
  const email = `pending-${randomSuffix()}@example.test`;
  const passwordHash = await app.get(PasswordHasher).hash(DEFAULT_PASSWORD);
  const user = await app
    .get(Database)
    .transaction((tx) => app.get(UserRepository).createUnverified(email, passwordHash, tx));
  if (!user) throw new Error(`factory: ${email} exists`);
  return { id: user.id, email, password: DEFAULT_PASSWORD };
}

export interface TotpEnrolled {
  secret: string;
  recoveryCodes: string[];
}

/**
 * TOTP turned on for the user through the application's repositories (no enrolment round trip),
 * with ten recovery codes. Codes of the current time step and later are accepted; the app that
 * seals must share MFA_ENCRYPTION_KEY with the API under test (the test default does).
 */
export async function seedTotp(app: NestFastifyApplication, user: TestUser): Promise<TotpEnrolled> {
  const secret = generateTotpSecret();
  const sealed = app.get(SecretBox).seal(secret, TOTP_SECRET_PURPOSE);
  const recoveryCodes = generateRecoveryCodes(10);
  const mfa = app.get(MfaRepository);
  await mfa.setPendingSecret(user.id, sealed);
  await app.get(Database).transaction(async (tx) => {
    if (!(await mfa.enable(user.id, sealed, totpTimeStep() - 2, tx)))
      throw new Error('factory: enrol failed');
    await mfa.replaceRecoveryCodes(user.id, recoveryCodes.map(hashRecoveryCode), tx);
  });
  return { secret, recoveryCodes };
}
