import { AuthMetrics } from './auth.metrics';
import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import {
  Database,
  type LockoutPolicy,
  type LoginCharge,
  LoginThrottleRepository,
  SignInRepository,
  type UserWithPassword,
} from '@rampart/db';
import { DomainError } from '@rampart/http';
import { EmailOutbox } from '@rampart/outbox';
import { AuditLog } from '@rampart/audit';

/**
 * The lockout shared by every check of an account's secrets: sign-in passwords, second-factor codes
 * and the current password that confirms a sensitive change all count against the same
 * LOGIN_MAX_FAILURES, so knowing one secret buys no free guesses at another.
 *
 * Each attempt is charged before it is checked, atomically, and then resolved exactly one way:
 * - failed(): it stays counted; at the limit the address locks for LOGIN_LOCKOUT_MINUTES;
 * - resolved(): a correct password that is not yet a sign-in (MFA pending, a confirmation) is
 *   taken back, so the owner typing the right password never moves towards a lock;
 * - succeeded(): a completed sign-in (or reset) clears the count.
 * Every refusal carries a Retry-After that is true: a lock's end, or a second while attempts at the
 * limit are still being checked.
 */
@Injectable()
export class LoginLockout {
  private readonly policy: LockoutPolicy;

  constructor(
    private readonly database: Database,
    private readonly throttles: LoginThrottleRepository,
    private readonly signIns: SignInRepository,
    private readonly outbox: EmailOutbox,
    config: ApiConfig,
    private readonly audit: AuditLog,
    private readonly metrics: AuthMetrics,
  ) {
    this.policy = { maxFailures: config.lockout.maxFailures, lockMs: config.lockout.durationMs };
  }

  /** Counts an attempt; refuses it (429 account_locked with Retry-After) when the address is locked or at the limit. */
  async charge(email: string): Promise<LoginCharge> {
    const charge = await this.throttles.charge(email, this.policy);
    if (charge.refused) throw this.lockedError(charge);
    return charge;
  }

  /**
   * A password sign-in's charge, in the statement that also reads the account (SignInRepository):
   * a refused charge is returned, not thrown; `lockedError` makes its answer.
   */
  chargeSignIn(email: string): Promise<{ charge: LoginCharge; user: UserWithPassword | null }> {
    return this.signIns.begin(email, this.policy);
  }

  /**
   * A wrong secret: it stays counted; the failure that reaches the limit locks the address and mails
   * the owner. A failure numbered below the limit cannot be that one: if the count reaches the limit
   * meanwhile, the attempt holding the limit's number decides when it resolves.
   */
  async failed(
    email: string,
    user: Pick<UserWithPassword, 'email' | 'id'> | null,
    charge: LoginCharge,
  ): Promise<void> {
    if (charge.attempt < this.policy.maxFailures) return;
    const locked = await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      const lock = await this.throttles.lockIfOverLimit(email, this.policy, tx);
      if (!lock || !user) return lock !== null;
      await this.audit.record(
        {
          actor: 'system:lockout',
          action: 'auth.lockout',
          target: { type: 'user', id: user.id },
          changes: { after: { lockedUntil: lock.lockedUntil, failedAttempts: lock.failedAttempts } },
        },
        tx,
      );
      await this.outbox.stage(unit, [
        {
          to: user.email,
          template: 'lockout-notice',
          params: { lockedUntil: lock.lockedUntil.toISOString(), failedAttempts: lock.failedAttempts },
        },
      ]);
      return true;
    });
    if (locked) this.metrics.lockedOut();
  }

  /** A correct secret that does not finish a sign-in: the attempt is taken back. */
  resolved(email: string): Promise<void> {
    return this.throttles.refund(email);
  }

  /** A completed sign-in resets the count. */
  succeeded(email: string): Promise<void> {
    return this.throttles.clear(email);
  }

  /** The 429 account_locked answer to a refused charge, with a Retry-After that is true. */
  lockedError(charge: LoginCharge): DomainError {
    const untilMs = charge.lockedUntil
      ? charge.lockedUntil.getTime() - Date.now()
      : (charge.retryAfterMs ?? this.policy.lockMs);
    const retryAfter = Math.max(1, Math.ceil(untilMs / 1_000));
    return new DomainError(
      'account_locked',
      429,
      'Too many failed sign-ins for this address; try again later or reset the password.',
      { retryAfterSeconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
}
