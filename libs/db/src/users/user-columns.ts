import { Prisma } from '../generated/prisma/client';
import type { Role, User, UserStatus } from './user';

/**
 * An account read by a raw statement that joins `users u` to other tables: its columns under names
 * of their own (`account_*`), so they never clash with the other tables' `id` or `created_at`.
 */
export const ACCOUNT_COLUMNS = Prisma.sql`u.id AS account_id, u.email AS account_email,
  u.status::text AS account_status, u.role::text AS account_role, u.token_version AS account_token_version,
  u.email_verified_at AS account_email_verified_at, u.mfa_enabled_at AS account_mfa_enabled_at,
  u.created_at AS account_created_at`;

/** The row fields ACCOUNT_COLUMNS selects. */
export interface AccountColumns {
  account_id: string;
  account_email: string;
  account_status: UserStatus;
  account_role: Role;
  account_token_version: number;
  account_email_verified_at: Date | null;
  account_mfa_enabled_at: Date | null;
  account_created_at: Date;
}

export function userOfColumns(row: AccountColumns): User {
  return {
    id: row.account_id,
    email: row.account_email,
    status: row.account_status,
    role: row.account_role,
    tokenVersion: row.account_token_version,
    emailVerifiedAt: row.account_email_verified_at,
    mfaEnabledAt: row.account_mfa_enabled_at,
    createdAt: row.account_created_at,
  };
}
