import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { Database, type LoginCharge, LoginThrottleRepository, type UserWithPassword } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { EmailOutbox } from '../../email/email-outbox.service';
import { AuditLog } from '../../audit/audit-log.service';

/**
 * The lockout shared by both steps of a sign-in: wrong passwords and wrong second-factor codes
 * count against the same LOGIN_MAX_FAILURES, so knowing the password does not buy unlimited
 * guesses at the code. Attempts are charged before they are checked, atomically.
 */
@Injectable()
export class LoginLockout {
  constructor(
    private readonly database: Database,
    private readonly throttles: LoginThrottleRepository,
    private readonly outbox: EmailOutbox,
    private readonly config: ApiConfig,
    private readonly audit: AuditLog,
  ) {}

  /** Counts an attempt; refuses it (429 account_locked) when the address is locked or over the limit. */
  async charge(email: string): Promise<LoginCharge> {
    const charge = await this.throttles.charge(email, this.config.lockout.maxFailures);
    if (charge.refused) throw this.lockedError(charge.lockedUntil);
    return charge;
  }

  /** The failure that reaches the limit locks the address, and tells the owner (if there is one) by mail. */
  async failed(
    email: string,
    user: Pick<UserWithPassword, 'email' | 'id'> | null,
    attempt: number,
  ): Promise<void> {
    if (attempt < this.config.lockout.maxFailures) return;
    const mails = await this.database.transaction(async (tx) => {
      const lockedUntil = await this.throttles.lock(email, this.config.lockout.durationMs, tx);
      if (!lockedUntil || !user) return [];
      await this.audit.record(
        {
          actor: 'system:lockout',
          action: 'auth.lockout',
          target: { type: 'user', id: user.id },
          changes: { after: { lockedUntil, failedAttempts: attempt } },
        },
        tx,
      );
      return this.outbox.stage(tx, [
        {
          to: user.email,
          template: 'lockout-notice',
          params: { lockedUntil: lockedUntil.toISOString(), failedAttempts: attempt },
        },
      ]);
    });
    await this.outbox.dispatch(mails);
  }

  /** A completed sign-in resets the count. */
  succeeded(email: string): Promise<void> {
    return this.throttles.clear(email);
  }

  private lockedError(lockedUntil: Date | null): DomainError {
    const until = lockedUntil?.getTime() ?? Date.now() + this.config.lockout.durationMs;
    const retryAfter = Math.max(1, Math.ceil((until - Date.now()) / 1_000));
    return new DomainError(
      'account_locked',
      429,
      'Too many failed sign-ins for this address; try again later or reset the password.',
      { retryAfterSeconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
}
