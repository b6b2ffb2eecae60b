import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Session as SessionRow } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type { User } from '../users/user';
import { ACCOUNT_COLUMNS, type AccountColumns, userOfColumns } from '../users/user-columns';
import type { NewSession, Session } from './session';
import { type SessionColumns, sessionOfColumns } from './session-columns';

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.userId,
    amr: row.amr,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
  };
}

/** A row of rotateRefreshToken's statement: the session's columns and its user's. */
type RotatedRow = SessionColumns & AccountColumns;

@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(input: NewSession, tx?: DbTransaction): Promise<Session> {
    const row = await clientOf(this.prisma, tx).session.create({
      data: {
        userId: input.userId,
        amr: input.amr,
        expiresAt: input.expiresAt,
        ipAddress: input.ipAddress?.slice(0, 64) ?? null,
        userAgent: input.userAgent?.slice(0, 512) ?? null,
      },
    });
    return toSession(row);
  }

  async addRefreshToken(
    sessionId: string,
    tokenHash: string,
    expiresAt: Date,
    tx?: DbTransaction,
  ): Promise<void> {
    await clientOf(this.prisma, tx).refreshToken.create({ data: { sessionId, tokenHash, expiresAt } });
  }

  /** The user's sessions that are still open, newest first. */
  async listActiveOfUser(userId: string): Promise<Session[]> {
    const rows = await this.prisma.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
    return rows.map(toSession);
  }

  /** Ends one session of this user; false when it is not theirs or already over. */
  async revokeOfUser(
    userId: string,
    sessionId: string,
    reason: string,
    tx?: DbTransaction,
  ): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).session.updateMany({
      where: { id: sessionId, userId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return count > 0;
  }

  /** An unrevoked, unexpired session; null otherwise. */
  async findActive(id: string): Promise<Session | null> {
    const row = await this.prisma.session.findFirst({
      where: { id, revokedAt: null, expiresAt: { gt: new Date() } },
    });
    return row ? toSession(row) : null;
  }

  /**
   * Spends a refresh token and issues the next, in one statement: the token is marked used, its
   * session's last use moves, and `nextHash` is stored with the session's end. The UPDATE decides
   * between concurrent uses of the same token: exactly one rotates, and every other gets null, as
   * does an unknown or expired token, or one of a session that is over (see revokeOnReuse).
   * Returns the session with its user as the same statement read it.
   */
  async rotateRefreshToken(
    tokenHash: string,
    nextHash: string,
  ): Promise<{ session: Session; user: User } | null> {
    const rows = await this.prisma.$queryRaw<RotatedRow[]>`
      WITH spent AS (
        UPDATE refresh_tokens rt
           SET used_at = clock_timestamp()
          FROM sessions s
         WHERE rt.token_hash = ${tokenHash}
           AND rt.used_at IS NULL
           AND rt.expires_at > clock_timestamp()
           AND s.id = rt.session_id
           AND s.revoked_at IS NULL
           AND s.expires_at > clock_timestamp()
        RETURNING rt.session_id),
      touched AS (
        UPDATE sessions SET last_used_at = clock_timestamp()
          FROM spent
         WHERE sessions.id = spent.session_id
        RETURNING sessions.id, sessions.user_id, sessions.amr, sessions.created_at, sessions.expires_at,
                  sessions.last_used_at, sessions.revoked_at, sessions.ip_address, sessions.user_agent),
      issued AS (
        INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
        SELECT ${randomUUID()}::uuid, touched.id, ${nextHash}, touched.expires_at FROM touched)
      SELECT touched.*, ${ACCOUNT_COLUMNS}
        FROM touched JOIN users u ON u.id = touched.user_id`;
    const row = rows[0];
    if (!row) return null;
    return {
      session: sessionOfColumns(row),
      user: userOfColumns(row),
    };
  }

  /**
   * For a refresh token that did not rotate: if it was spent before, someone replayed it, and its
   * session is revoked in `tx`; returns the session and its user then, null for a token that is
   * unknown, expired or of a session that is over.
   */
  async revokeOnReuse(
    tokenHash: string,
    tx: DbTransaction,
  ): Promise<{ sessionId: string; userId: string } | null> {
    const known = await clientOf(this.prisma, tx).refreshToken.findUnique({
      where: { tokenHash },
      include: { session: true },
    });
    if (!known?.usedAt) return null;
    await this.revoke(known.sessionId, 'refresh_token_reused', tx);
    return { sessionId: known.sessionId, userId: known.session.userId };
  }

  /** The session a refresh token belongs to (spent or not), or null. */
  async sessionOfRefreshToken(tokenHash: string): Promise<string | null> {
    const row = await this.prisma.refreshToken.findUnique({
      where: { tokenHash },
      select: { sessionId: true },
    });
    return row?.sessionId ?? null;
  }

  /** Ends a session; true when it was still active. */
  async revoke(id: string, reason: string, tx?: DbTransaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).session.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: reason },
    });
    return count > 0;
  }

  /** Ends every active session of a user; returns their ids. */
  async revokeAllOfUser(userId: string, reason: string, tx?: DbTransaction): Promise<string[]> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ id: string }[]>`
      UPDATE sessions SET revoked_at = clock_timestamp(), revoked_reason = ${reason}
       WHERE user_id = ${userId}::uuid AND revoked_at IS NULL
      RETURNING id`;
    return rows.map((row) => row.id);
  }

  /** Ends every open session of every user (the breach response); returns how many. */
  async revokeAll(reason: string, tx?: DbTransaction): Promise<number> {
    return clientOf(this.prisma, tx).$executeRaw`
      UPDATE sessions SET revoked_at = clock_timestamp(), revoked_reason = ${reason}
       WHERE revoked_at IS NULL AND expires_at > clock_timestamp()`;
  }

  /** The ids of sessions ended for `reason` since `since`, oldest first. */
  async revokedSince(reason: string, since: Date): Promise<string[]> {
    const rows = await this.prisma.session.findMany({
      where: { revokedReason: reason, revokedAt: { gt: since } },
      select: { id: true },
      orderBy: [{ revokedAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((row) => row.id);
  }

  /** Ends every active session of a user but one (the one that asked); returns the ended ids. */
  async revokeAllOfUserExcept(
    userId: string,
    keepId: string,
    reason: string,
    tx?: DbTransaction,
  ): Promise<string[]> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ id: string }[]>`
      UPDATE sessions SET revoked_at = clock_timestamp(), revoked_reason = ${reason}
       WHERE user_id = ${userId}::uuid AND revoked_at IS NULL AND id <> ${keepId}::uuid
      RETURNING id`;
    return rows.map((row) => row.id);
  }

  /** Deletes sessions that ended (expired or revoked) more than `days` ago, with their refresh tokens. */
  async purgeEndedOlderThan(days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 24 * 3_600_000);
    const { count } = await this.prisma.session.deleteMany({
      where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] },
    });
    return count;
  }
}
