import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { auditAppendCall } from '../audit/audit-log.repository';
import type { NewAuditEntry } from '../audit/audit-entry';
import type { NewSession, Session } from '../sessions/session';
import { type SessionColumns, sessionOfColumns } from '../sessions/session-columns';
import type { UserWithPassword } from '../users/user';
import { ACCOUNT_COLUMNS, type AccountColumns, userOfColumns } from '../users/user-columns';
import {
  type ChargeRow,
  type LockoutPolicy,
  type LoginCharge,
  chargeOf,
  chargeStatement,
} from './login-throttle.repository';

/** A password sign-in that succeeded, to record in one statement. */
export interface SucceededSignIn {
  email: string;
  session: NewSession;
  /** The SHA-256 of the session's first refresh token. */
  refreshTokenHash: string;
  /** The audit entry of the sign-in; its target is the session, whose id is `sessionId`. */
  audit: (sessionId: string) => NewAuditEntry;
}

/** The charge's row with the address's account, or with nulls where the address has none. */
type BeginRow = ChargeRow &
  (
    | (AccountColumns & { account_password_hash: string })
    | ({ [Column in keyof AccountColumns]: null } & { account_password_hash: null })
  );

/**
 * The password sign-in's own statements. Each round trip to PostgreSQL costs the API a socket write
 * and a read and the database a statement, and a sign-in made eleven of them; the writes of other
 * repositories are composed here into two statements, with the same atomicity:
 * - `begin` charges the attempt against the address's lockout and reads the account in one statement;
 * - `succeed` clears the failure count, opens the session with its first refresh token, records the
 *   attempt and appends the audit entry in one statement, which commits all of it or nothing.
 */
@Injectable()
export class SignInRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Charges the attempt (LoginThrottleRepository.charge) and reads the account of the address, if
   * any; the same statement whether or not the address belongs to anyone.
   */
  async begin(
    email: string,
    policy: LockoutPolicy,
  ): Promise<{ charge: LoginCharge; user: UserWithPassword | null }> {
    const rows = await this.prisma.$queryRaw<BeginRow[]>`
      WITH charged AS (${chargeStatement(email, policy, randomUUID())})
      SELECT charged.*, ${ACCOUNT_COLUMNS}, u.password_hash AS account_password_hash
        FROM charged LEFT JOIN users u ON u.email = ${email}`;
    const row = rows[0];
    if (!row) throw new Error('login throttle upsert returned no row');
    const user =
      row.account_id === null ? null : { ...userOfColumns(row), passwordHash: row.account_password_hash };
    return { charge: chargeOf(row), user };
  }

  /** Records a successful sign-in (see the class); returns the session it opened. */
  async succeed(input: SucceededSignIn): Promise<Session> {
    const { email, session } = input;
    const sessionId = randomUUID();
    const ipAddress = session.ipAddress?.slice(0, 64) ?? null;
    const userAgent = session.userAgent?.slice(0, 512) ?? null;
    const rows = await this.prisma.$queryRaw<SessionColumns[]>(Prisma.sql`
      WITH cleared AS (DELETE FROM login_throttles WHERE email = ${email}),
      opened AS (
        INSERT INTO sessions (id, user_id, amr, expires_at, ip_address, user_agent)
        VALUES (${sessionId}::uuid, ${session.userId}::uuid, ${session.amr}::text[],
                ${session.expiresAt}::timestamptz, ${ipAddress}, ${userAgent})
        RETURNING id, user_id, amr, created_at, expires_at, last_used_at, revoked_at, ip_address, user_agent),
      issued AS (
        INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
        SELECT ${randomUUID()}::uuid, opened.id, ${input.refreshTokenHash}, opened.expires_at FROM opened),
      attempted AS (
        INSERT INTO login_attempts (id, email, user_id, success, reason, ip_address, user_agent)
        VALUES (${randomUUID()}::uuid, ${email}, ${session.userId}::uuid, true, 'ok', ${ipAddress}, ${userAgent})),
      audited AS (SELECT seq FROM ${auditAppendCall(input.audit(sessionId))})
      SELECT opened.id, opened.user_id, opened.amr, opened.created_at, opened.expires_at,
             opened.last_used_at, opened.revoked_at, opened.ip_address, opened.user_agent
        FROM opened, audited`);
    const row = rows[0];
    if (!row) throw new Error('the sign-in statement opened no session');
    return sessionOfColumns(row);
  }
}
