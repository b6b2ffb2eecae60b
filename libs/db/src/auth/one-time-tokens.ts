import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

/** The kinds of one-time token, each in its own table of the same shape. */
export type OneTimeTokenKind = 'email-verification' | 'password-reset';

/** Table per kind: a fixed map, so table names in the SQL below never come from input. */
const TABLES: Record<OneTimeTokenKind, string> = {
  'email-verification': 'email_verification_tokens',
  'password-reset': 'password_reset_tokens',
};

/**
 * One-time tokens stored as their SHA-256: issued for a user (retiring that user's earlier unused
 * tokens of the kind, so only the newest link works) and spent exactly once before they expire.
 */
@Injectable()
export class OneTimeTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  async issue(
    kind: OneTimeTokenKind,
    userId: string,
    tokenHash: string,
    expiresAt: Date,
    tx: DbTransaction,
  ): Promise<void> {
    const client = clientOf(this.prisma, tx);
    const table = TABLES[kind];
    await client.$executeRawUnsafe(
      `UPDATE ${table} SET used_at = clock_timestamp() WHERE user_id = $1::uuid AND used_at IS NULL`,
      userId,
    );
    await client.$executeRawUnsafe(
      `INSERT INTO ${table} (id, user_id, token_hash, expires_at) VALUES (gen_random_uuid(), $1::uuid, $2, $3)`,
      userId,
      tokenHash,
      expiresAt,
    );
  }

  /**
   * Spends a token: one atomic UPDATE, so a token works once even when two requests race with it.
   * Returns the user id, or null for an unknown, used or expired token.
   */
  async consume(kind: OneTimeTokenKind, tokenHash: string, tx: DbTransaction): Promise<string | null> {
    const rows = await clientOf(this.prisma, tx).$queryRawUnsafe<{ user_id: string }[]>(
      `UPDATE ${TABLES[kind]}
          SET used_at = clock_timestamp()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > clock_timestamp()
       RETURNING user_id`,
      tokenHash,
    );
    return rows[0]?.user_id ?? null;
  }

  /**
   * The user a token would be spent for, without spending it: for checks that must pass before the
   * token is used (the password at e-mail verification), so a failed check leaves it usable.
   */
  async findUsable(kind: OneTimeTokenKind, tokenHash: string): Promise<string | null> {
    const rows = await this.prisma.$queryRawUnsafe<{ user_id: string }[]>(
      `SELECT user_id FROM ${TABLES[kind]}
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > clock_timestamp()`,
      tokenHash,
    );
    return rows[0]?.user_id ?? null;
  }

  /** Deletes tokens that expired more than a day ago, of every kind; returns how many. */
  async purgeExpired(): Promise<number> {
    let removed = 0;
    for (const table of Object.values(TABLES)) {
      removed += await this.prisma.$executeRawUnsafe(
        `DELETE FROM ${table} WHERE expires_at < clock_timestamp() - interval '1 day'`,
      );
    }
    return removed;
  }
}
