import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

@Injectable()
export class EmailVerificationTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores a new token (by its hash) and retires the user's earlier unused ones: only the newest link works. */
  async issue(userId: string, tokenHash: string, expiresAt: Date, tx: DbTransaction): Promise<void> {
    const client = clientOf(this.prisma, tx);
    await client.emailVerificationToken.updateMany({
      where: { userId, usedAt: null },
      data: { usedAt: new Date() },
    });
    await client.emailVerificationToken.create({ data: { userId, tokenHash, expiresAt } });
  }

  /**
   * Spends a token: one atomic UPDATE, so a token works once even when two requests race with it.
   * Returns the user id, or null for an unknown, used or expired token.
   */
  async consume(tokenHash: string, tx: DbTransaction): Promise<string | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ user_id: string }[]>`
      UPDATE email_verification_tokens
         SET used_at = clock_timestamp()
       WHERE token_hash = ${tokenHash}
         AND used_at IS NULL
         AND expires_at > clock_timestamp()
      RETURNING user_id`;
    return rows[0]?.user_id ?? null;
  }
}
