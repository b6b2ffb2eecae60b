// Test data for the Jest tiers (unit, integration, e2e), made through the application under test.
// The account factories themselves are in accounts.mts, which the benchmarks share.
import type { INestApplicationContext } from '@nestjs/common';
import { Database, MfaRepository, type Role, UserRepository } from '@rampart/db';
import { generateRecoveryCodes, hashRecoveryCode } from '../../apps/api/src/auth/mfa/recovery-codes';
import { SecretBox, TOTP_SECRET_PURPOSE } from '../../apps/api/src/auth/mfa/secret-box';
import { generateTotpSecret, totpTimeStep } from '../../apps/api/src/auth/mfa/totp';
import { PasswordHasher } from '../../apps/api/src/auth/passwords/password-hasher';
import {
  type AccountServices,
  type TestUser,
  createActiveAccount,
  createPendingAccount,
} from './accounts.mts';

export { DEFAULT_PASSWORD, type TestUser, uniqueEmail } from './accounts.mts';
export { booleanFlag, type FlagFixture, uniqueFlagKey } from './flags';

/** An application's providers: the API's or the worker's, booted in process or as a testing module. */
export type AppContext = Pick<INestApplicationContext, 'get'>;

/**
 * The app's repositories, and the API's password hasher (stateless, so a fresh one serves the worker,
 * which has none, as well).
 */
function accountServices(app: AppContext): AccountServices {
  return { database: app.get(Database), users: app.get(UserRepository), hasher: new PasswordHasher() };
}

/** An active, verified account written through the application's own repositories and hasher. */
export function createActiveUser(
  app: AppContext,
  options: { email?: string; password?: string; role?: Role } = {},
): Promise<TestUser> {
  return createActiveAccount(accountServices(app), options);
}

/** An unverified account, as a sign-up leaves it before its link is clicked (no worker round trip). */
export function createPendingUser(
  app: AppContext,
  options: { email?: string; password?: string } = {},
): Promise<TestUser> {
  return createPendingAccount(accountServices(app), options);
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
export async function seedTotp(app: AppContext, user: TestUser): Promise<TotpEnrolled> {
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
