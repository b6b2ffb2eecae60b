import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

/** A user's TOTP state, with the secrets still sealed (SecretBox opens them in the API). */
export interface MfaState {
  sealedSecret: string | null;
  sealedPendingSecret: string | null;
  lastUsedStep: number | null;
  enabledAt: Date | null;
}

/** A user's sealed TOTP secrets, for re-sealing them under a new key. */
export interface SealedTotpSecrets {
  userId: string;
  sealedSecret: string | null;
  sealedPendingSecret: string | null;
}

/** The two columns that hold sealed TOTP secrets. */
export type SealedTotpColumn = 'secret' | 'pendingSecret';

@Injectable()
export class MfaRepository {
  constructor(private readonly prisma: PrismaService) {}

  async state(userId: string): Promise<MfaState | null> {
    const row = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { totpSecret: true, totpPendingSecret: true, totpLastUsedStep: true, mfaEnabledAt: true },
    });
    if (!row) return null;
    return {
      sealedSecret: row.totpSecret,
      sealedPendingSecret: row.totpPendingSecret,
      lastUsedStep: row.totpLastUsedStep === null ? null : Number(row.totpLastUsedStep),
      enabledAt: row.mfaEnabledAt,
    };
  }

  /** Starts an enrolment: the secret waits here until a code from it is confirmed. */
  async setPendingSecret(userId: string, sealedSecret: string): Promise<void> {
    await this.prisma.user.update({ where: { id: userId }, data: { totpPendingSecret: sealedSecret } });
  }

  /** Turns the pending secret on, recording the step of the code that confirmed it. False if it changed meanwhile. */
  async enable(
    userId: string,
    sealedPendingSecret: string,
    step: number,
    tx: DbTransaction,
  ): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).user.updateMany({
      where: { id: userId, totpPendingSecret: sealedPendingSecret },
      data: {
        totpSecret: sealedPendingSecret,
        totpPendingSecret: null,
        totpLastUsedStep: BigInt(step),
        mfaEnabledAt: new Date(),
      },
    });
    return count === 1;
  }

  async disable(userId: string, tx: DbTransaction): Promise<void> {
    const client = clientOf(this.prisma, tx);
    await client.user.update({
      where: { id: userId },
      data: { totpSecret: null, totpPendingSecret: null, totpLastUsedStep: null, mfaEnabledAt: null },
    });
    await client.mfaRecoveryCode.deleteMany({ where: { userId } });
  }

  /**
   * Accepts a TOTP code's time step at most once (RFC 6238 section 5.2): one atomic UPDATE that
   * only moves the last used step forward, so a replayed code, or one of an older step, or two
   * requests racing with the same code, cannot pass twice.
   */
  async acceptStep(userId: string, step: number): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE users SET totp_last_used_step = ${BigInt(step)}
       WHERE id = ${userId}::uuid
         AND totp_secret IS NOT NULL
         AND (totp_last_used_step IS NULL OR totp_last_used_step < ${BigInt(step)})
      RETURNING id`;
    return rows.length === 1;
  }

  /** Replaces every recovery code of the user with new ones (stored as hashes). */
  async replaceRecoveryCodes(userId: string, codeHashes: string[], tx: DbTransaction): Promise<void> {
    const client = clientOf(this.prisma, tx);
    await client.mfaRecoveryCode.deleteMany({ where: { userId } });
    await client.mfaRecoveryCode.createMany({ data: codeHashes.map((codeHash) => ({ userId, codeHash })) });
  }

  /** Spends a recovery code: atomic, so each works once. */
  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const { count } = await this.prisma.mfaRecoveryCode.updateMany({
      where: { userId, codeHash, usedAt: null },
      data: { usedAt: new Date() },
    });
    return count === 1;
  }

  async unusedRecoveryCodes(userId: string): Promise<number> {
    return this.prisma.mfaRecoveryCode.count({ where: { userId, usedAt: null } });
  }

  /**
   * The next users, by id after `afterUserId`, with a sealed secret (enabled or pending) that does not
   * start with `currentPrefix`: those still sealed under an old key or format. Keyset paging, so a value
   * that cannot be re-sealed is passed over instead of being found again.
   */
  async sealedNotUnder(
    currentPrefix: string,
    afterUserId: string | null,
    limit: number,
  ): Promise<SealedTotpSecrets[]> {
    const stale = (column: 'totpSecret' | 'totpPendingSecret') => ({
      AND: [{ [column]: { not: null } }, { NOT: { [column]: { startsWith: currentPrefix } } }],
    });
    const rows = await this.prisma.user.findMany({
      where: {
        ...(afterUserId ? { id: { gt: afterUserId } } : {}),
        OR: [stale('totpSecret'), stale('totpPendingSecret')],
      },
      select: { id: true, totpSecret: true, totpPendingSecret: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({
      userId: row.id,
      sealedSecret: row.totpSecret,
      sealedPendingSecret: row.totpPendingSecret,
    }));
  }

  /**
   * Replaces one sealed value with another sealing of the same secret, only if it is still the value
   * read: false when the user enrolled, disabled or was re-sealed meanwhile (their new value stays).
   */
  async replaceSealed(
    userId: string,
    column: SealedTotpColumn,
    from: string,
    to: string,
    tx: DbTransaction,
  ): Promise<boolean> {
    const field = column === 'secret' ? 'totpSecret' : 'totpPendingSecret';
    const { count } = await clientOf(this.prisma, tx).user.updateMany({
      where: { id: userId, [field]: from },
      data: { [field]: to },
    });
    return count === 1;
  }
}
