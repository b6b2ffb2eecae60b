import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

export type LoginOutcome =
  | 'ok'
  | 'mfa_required'
  | 'invalid_credentials'
  | 'invalid_mfa_code'
  | 'account_locked'
  | 'email_not_verified'
  | 'account_disabled';

export interface LoginAttemptRecord {
  email: string;
  userId: string | null;
  outcome: LoginOutcome;
  ipAddress: string | null;
  userAgent: string | null;
}

/** The audit trail of sign-in attempts (kept 30 days). */
@Injectable()
export class LoginAttemptRepository {
  constructor(private readonly prisma: PrismaService) {}

  async record(attempt: LoginAttemptRecord, tx?: DbTransaction): Promise<void> {
    await clientOf(this.prisma, tx).loginAttempt.create({
      data: {
        email: attempt.email,
        userId: attempt.userId,
        success: attempt.outcome === 'ok',
        reason: attempt.outcome,
        ipAddress: attempt.ipAddress?.slice(0, 64) ?? null,
        userAgent: attempt.userAgent?.slice(0, 512) ?? null,
      },
    });
  }

  /** Deletes attempts older than `days`; returns how many. */
  async purgeOlderThan(days: number): Promise<number> {
    const { count } = await this.prisma.loginAttempt.deleteMany({
      where: { createdAt: { lt: new Date(Date.now() - days * 24 * 3_600_000) } },
    });
    return count;
  }
}
