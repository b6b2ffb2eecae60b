import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

/** What charging an attempt found. */
export interface LoginCharge {
  /** This attempt's number among the consecutive failures (1 for the first). */
  attempt: number;
  /** The attempt may not even check the password: the address is locked, or over the limit. */
  refused: boolean;
  lockedUntil: Date | null;
}

@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Counts an attempt before its password is checked, in one atomic statement: N parallel
   * attempts get the numbers 1..N, so no more than `maxFailures` of them ever reach the password
   * check (Zitadel GHSA-7h8m-vrxx-vr4m raced exactly this). An expired lock starts a new count.
   */
  async charge(email: string, maxFailures: number): Promise<LoginCharge> {
    const rows = await this.prisma.$queryRaw<
      { failed_count: number; locked_until: Date | null; now: Date }[]
    >`
      INSERT INTO login_throttles AS t (email, failed_count, locked_until, updated_at)
      VALUES (${email}, 1, NULL, clock_timestamp())
      ON CONFLICT (email) DO UPDATE SET
        failed_count = CASE WHEN t.locked_until IS NOT NULL AND t.locked_until <= clock_timestamp() THEN 1
                            ELSE t.failed_count + 1 END,
        locked_until = CASE WHEN t.locked_until IS NOT NULL AND t.locked_until <= clock_timestamp() THEN NULL
                            ELSE t.locked_until END,
        updated_at = clock_timestamp()
      RETURNING failed_count, locked_until, clock_timestamp() AS now`;
    const row = rows[0];
    if (!row) throw new Error('login throttle upsert returned no row');
    const locked = row.locked_until !== null && row.locked_until > row.now;
    return {
      attempt: row.failed_count,
      refused: locked || row.failed_count > maxFailures,
      lockedUntil: locked ? row.locked_until : null,
    };
  }

  /** Locks the address for `lockMs`; returns the end of the lock, or null if another attempt locked it first. */
  async lock(email: string, lockMs: number, tx?: DbTransaction): Promise<Date | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ locked_until: Date }[]>`
      UPDATE login_throttles
         SET locked_until = clock_timestamp() + make_interval(secs => ${lockMs / 1000}::float8)
       WHERE email = ${email} AND (locked_until IS NULL OR locked_until <= clock_timestamp())
      RETURNING locked_until`;
    return rows[0]?.locked_until ?? null;
  }

  /** An administrator locks the address now, whatever its count; returns the end of the lock. */
  async forceLock(email: string, lockMs: number, tx?: DbTransaction): Promise<Date> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ locked_until: Date }[]>`
      INSERT INTO login_throttles AS t (email, failed_count, locked_until, updated_at)
      VALUES (${email}, 0, clock_timestamp() + make_interval(secs => ${lockMs / 1000}::float8), clock_timestamp())
      ON CONFLICT (email) DO UPDATE
        SET locked_until = EXCLUDED.locked_until, updated_at = EXCLUDED.updated_at
      RETURNING locked_until`;
    const row = rows[0];
    if (!row) throw new Error('login throttle upsert returned no row');
    return row.locked_until;
  }

  /** A successful sign-in (or a password reset) clears the count. */
  async clear(email: string, tx?: DbTransaction): Promise<void> {
    await clientOf(this.prisma, tx).loginThrottle.deleteMany({ where: { email } });
  }

  /** Consecutive failed sign-ins of the address so far (0 when none, or once an earlier lock has passed). */
  async failures(email: string): Promise<number> {
    const row = await this.prisma.loginThrottle.findUnique({ where: { email } });
    if (!row) return 0;
    return row.lockedUntil && row.lockedUntil <= new Date() ? 0 : row.failedCount;
  }
}
