// Accounts as test data, for every tier and the benchmarks: written through an application's own
// repositories and password hasher, never with hand-written SQL that would drift from the schema.
// Plain TypeScript that Node strips and runs as it is, so scripts/bench can import it too: no
// decorators, and the path aliases only in type imports (which Node drops). The caller hands in the
// services, from the sources (test/factories/index.ts) or from the build (scripts/bench/servers.mts).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Database, Role, UserRepository } from '@rampart/db';

/** The password of every factory-made account unless a test picks another: it passes the policy. */
export const DEFAULT_PASSWORD = 'violet-harbour-lantern-93';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** What making an account takes from an application (the API's or the worker's; both have these). */
export interface AccountServices {
  database: Pick<Database, 'transaction'>;
  users: Pick<UserRepository, 'createUnverified' | 'markEmailVerified' | 'setRole'>;
  hasher: { hash(password: string): Promise<string> };
}

/** An address no other test or run uses: `<label>-<random>@example.test`. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

/**
 * An active, verified account (no sign-up round trip), for tests and benchmarks that start after
 * registration. Each call makes a fresh address unless one is given.
 */
export async function createActiveAccount(
  { database, users, hasher }: AccountServices,
  options: { email?: string; password?: string; role?: Role } = {},
): Promise<TestUser> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? DEFAULT_PASSWORD;
  const passwordHash = await hasher.hash(password);
  const user = await database.transaction(async (tx) => {
    const created = await users.createUnverified(email, passwordHash, tx);
    if (!created) throw new Error(`factory: ${email} exists`);
    await users.markEmailVerified(created.id, tx);
    if (options.role) await users.setRole(created.id, options.role, tx);
    return created;
  });
  return { id: user.id, email, password };
}

/** An unverified account, as a sign-up leaves it before its link is clicked (no worker round trip). */
export async function createPendingAccount(
  { database, users, hasher }: AccountServices,
  options: { email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? uniqueEmail('pending');
  const password = options.password ?? DEFAULT_PASSWORD;
  const passwordHash = await hasher.hash(password);
  const user = await database.transaction((tx) => users.createUnverified(email, passwordHash, tx));
  if (!user) throw new Error(`factory: ${email} exists`);
  return { id: user.id, email, password };
}

/**
 * Deletes accounts with what hangs off them (sessions, tokens and MFA state cascade) and their
 * addresses' login attempts and throttles, for benchmarks that share a long-lived database (the test
 * tiers drop theirs at the end of the run). Returns the rows deleted per table.
 */
export async function deleteAccounts(db: pg.ClientBase, emails: string[]): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const table of ['users', 'login_attempts', 'login_throttles']) {
    const result = await db.query(`DELETE FROM ${table} WHERE email = ANY($1::text[])`, [emails]);
    deleted[table] = result.rowCount ?? 0;
  }
  return deleted;
}
