import type { Role } from '@rampart/db';
import { type TestUser, createActiveUser } from '../../factories';
import type { EnvOverrides } from '../../support/app-env';
import { startApiInProcess } from '../../support/in-process-api';
import { signIn, signInWithMfa } from './sign-in';

export type RoleAccounts = Record<Role, TestUser>;
export type RoleTokens = Record<Role, string>;

/** One active account per role, made through an in-process API on `env` (its database and key prefix). */
export async function createRoleAccounts(env: EnvOverrides): Promise<RoleAccounts> {
  const factory = await startApiInProcess(env);
  const [admin, operator, viewer] = await Promise.all(
    (['admin', 'operator', 'viewer'] as const).map((role) => createActiveUser(factory.app, { role })),
  ).finally(() => factory.close());
  return { admin: admin!, operator: operator!, viewer: viewer! };
}

/**
 * Their access tokens from the API at `baseUrl`: the admin's from a sign-in with MFA (admin routes
 * need it), the others' with the password only.
 */
export async function signInRoles(baseUrl: string, accounts: RoleAccounts): Promise<RoleTokens> {
  const [admin, operator, viewer] = await Promise.all([
    signInWithMfa(baseUrl, accounts.admin),
    signIn(baseUrl, accounts.operator),
    signIn(baseUrl, accounts.viewer),
  ]);
  return { admin: admin.accessToken, operator: operator.accessToken, viewer: viewer.accessToken };
}
