import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

/** What charging an attempt found. */
export interface LoginCharge {
  /** This attempt's number among the unresolved attempts (1 for the first). */
  attempt: number;
  /** The attempt may not even check the password (see `lockedUntil` and `retryAfterMs`). */
  refused: boolean;
  /** The end of the lock that refused it; null when nothing is locked. */
  lockedUntil: Date | null;
  /**
   * A refusal without a lock: `maxFailures` attempts are still being checked, and one of them
   * either fails (then the address locks) or succeeds (then the count falls). Worth a retry soon.
   */
  retryAfterMs: number | null;
}

/** The lockout's numbers, from configuration. */
export interface LockoutPolicy {
  maxFailures: number;
  lockMs: number;
}

/**
 * How long an attempt may stay charged but unresolved before it is taken as a failure: far longer
 * than a password check, so only an attempt whose process died mid-way ages out.
 */
const UNRESOLVED_ATTEMPT_MS = 60_000;
/** What a refusal without a lock tells the client to wait: in-flight attempts resolve within a second. */
const IN_FLIGHT_RETRY_MS = 1_000;

/** The row the charge statement returns (see LoginThrottleRepository.charge). */
export interface ChargeRow {
  failed_count: number;
  locked_until: Date | null;
  counted: boolean;
  now: Date;
}

/**
 * The statement that charges an attempt (see LoginThrottleRepository.charge), returning one ChargeRow;
 * it may stand as a data-modifying CTE of a larger statement. `chargeId` is a fresh UUID.
 */
export function chargeStatement(
  email: string,
  { maxFailures, lockMs }: LockoutPolicy,
  chargeId: string,
): Prisma.Sql {
  const lockSecs = lockMs / 1_000;
  const unresolvedSecs = UNRESOLVED_ATTEMPT_MS / 1_000;
  return Prisma.sql`
      INSERT INTO login_throttles AS t (email, failed_count, locked_until, updated_at, last_charge)
      VALUES (${email}, 1, NULL, now(), ${chargeId}::uuid)
      ON CONFLICT (email) DO UPDATE SET
        failed_count = CASE
          WHEN t.locked_until > now() THEN t.failed_count
          WHEN t.locked_until IS NOT NULL THEN 1
          WHEN t.failed_count < ${maxFailures} THEN t.failed_count + 1
          WHEN t.updated_at > now() - make_interval(secs => ${unresolvedSecs}::float8) THEN t.failed_count
          WHEN t.updated_at + make_interval(secs => ${lockSecs}::float8) > now() THEN t.failed_count
          ELSE 1 END,
        locked_until = CASE
          WHEN t.locked_until > now() THEN t.locked_until
          WHEN t.locked_until IS NOT NULL OR t.failed_count < ${maxFailures} THEN NULL
          WHEN t.updated_at > now() - make_interval(secs => ${unresolvedSecs}::float8) THEN NULL
          WHEN t.updated_at + make_interval(secs => ${lockSecs}::float8) > now()
            THEN t.updated_at + make_interval(secs => ${lockSecs}::float8)
          ELSE NULL END,
        updated_at = CASE
          WHEN t.locked_until > now() THEN t.updated_at
          WHEN t.locked_until IS NOT NULL OR t.failed_count < ${maxFailures} THEN now()
          WHEN t.updated_at + make_interval(secs => ${lockSecs}::float8) > now()
            OR t.updated_at > now() - make_interval(secs => ${unresolvedSecs}::float8) THEN t.updated_at
          ELSE now() END,
        last_charge = CASE
          WHEN t.locked_until > now() THEN t.last_charge
          WHEN t.locked_until IS NOT NULL OR t.failed_count < ${maxFailures} THEN ${chargeId}::uuid
          WHEN t.updated_at + make_interval(secs => ${lockSecs}::float8) > now()
            OR t.updated_at > now() - make_interval(secs => ${unresolvedSecs}::float8) THEN t.last_charge
          ELSE ${chargeId}::uuid END
      RETURNING failed_count, locked_until, last_charge IS NOT DISTINCT FROM ${chargeId}::uuid AS counted,
                now() AS now`;
}

/** What the charge statement's row says of the attempt. */
export function chargeOf(row: ChargeRow): LoginCharge {
  if (row.counted)
    return { attempt: row.failed_count, refused: false, lockedUntil: null, retryAfterMs: null };
  const locked = row.locked_until !== null && row.locked_until > row.now;
  return {
    attempt: row.failed_count,
    refused: true,
    lockedUntil: locked ? row.locked_until : null,
    retryAfterMs: locked ? null : IN_FLIGHT_RETRY_MS,
  };
}

/**
 * One row per address: `failed_count` is the number of attempts charged and not resolved (a
 * failure stays charged; a success is refunded or clears the row), `locked_until` the end of a
 * lock, `updated_at` the time of the last counted attempt and `last_charge` its id.
 *
 * Invariants the lockout relies on (each tested in the e2e lockout suite):
 * - every refusal either names a lock with an end, or is a short in-flight refusal; a count at the
 *   limit without a lock never outlives UNRESOLVED_ATTEMPT_MS, so no address is refused for ever;
 * - refused attempts are not counted, so the count never exceeds the limit and a refund after a
 *   correct password always brings the address back under it;
 * - an expired lock starts a new count.
 */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Counts an attempt before its password (or code) is checked, in one atomic statement (it is on
   * every sign-in's path): N parallel attempts get the numbers 1..N up to the limit, so no more than
   * `maxFailures` of them ever reach the check (Zitadel GHSA-7h8m-vrxx-vr4m raced exactly this).
   * Every SET below reads the row as it was; their cases, in order:
   * 1. locked: nothing changes, refused with the lock's end;
   * 2. an expired lock: a new count, this attempt is its first;
   * 3. under the limit: counted;
   * 4. at the limit, attempts still being checked: nothing changes, refused for a second;
   * 5. at the limit, unresolved for UNRESOLVED_ATTEMPT_MS (their process died): they count as the
   *    failures they may have been, a lock from the last of them, refused until its end;
   * 6. the same, but that lock would already be over: a new count.
   */
  async charge(email: string, policy: LockoutPolicy): Promise<LoginCharge> {
    const chargeId = randomUUID();
    const rows = await this.prisma.$queryRaw<ChargeRow[]>(chargeStatement(email, policy, chargeId));
    const row = rows[0];
    if (!row) throw new Error('login throttle upsert returned no row');
    return chargeOf(row);
  }

  /**
   * After a failure: locks the address for `lockMs` if its unresolved attempts reached the limit.
   * Returns the lock's end and the count, or null when nothing was locked now (under the limit, or
   * another attempt locked it first).
   */
  async lockIfOverLimit(
    email: string,
    policy: LockoutPolicy,
    tx: DbTransaction,
  ): Promise<{ lockedUntil: Date; failedAttempts: number } | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ locked_until: Date; failed_count: number }[]>`
      UPDATE login_throttles
         SET locked_until = clock_timestamp() + make_interval(secs => ${policy.lockMs / 1000}::float8)
       WHERE email = ${email} AND failed_count >= ${policy.maxFailures}
         AND (locked_until IS NULL OR locked_until <= clock_timestamp())
      RETURNING locked_until, failed_count`;
    const row = rows[0];
    return row ? { lockedUntil: row.locked_until, failedAttempts: row.failed_count } : null;
  }

  /**
   * Resolves one charged attempt as not a failure (a correct password before the second factor, a
   * correct password confirming a sensitive change): the count it added is taken back.
   */
  async refund(email: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE login_throttles SET failed_count = GREATEST(failed_count - 1, 0)
       WHERE email = ${email} AND failed_count > 0`;
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
