import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, OneTimeTokenRepository, RegistrationRequestRepository, UserRepository } from '@rampart/db';
import { VERIFICATION_TOKEN_TTL_HOURS, newOneTimeToken } from '@rampart/identity';
import type { AccountRequestResult, RegistrationRequestedPayload } from '@rampart/jobs';
import { EmailOutbox } from '@rampart/outbox';

/**
 * The address-dependent half of a sign-up, after the API has answered 202:
 * - a new address gets an unverified account and a verification link;
 * - an address whose account is still pending gets the new password (the latest registration
 *   wins) and a fresh link, which retires every earlier one: someone who registered another
 *   person's address first is left with a password the owner will replace or never activate;
 * - an active or disabled account is left as it is, and its owner is told someone tried.
 * Account, token, audit entry and mail commit in one transaction, which also removes the
 * registration request (with its password hash).
 */
@Injectable()
export class StartRegistration {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly outbox: EmailOutbox,
    private readonly registrations: RegistrationRequestRepository,
    private readonly audit: AuditLog,
  ) {}

  async run({ requestId }: RegistrationRequestedPayload): Promise<AccountRequestResult> {
    const { token, hash } = newOneTimeToken();
    const expiresAt = new Date(Date.now() + VERIFICATION_TOKEN_TTL_HOURS * 3_600_000);
    const mails = await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      // Taken in this transaction: a retry after a commit, or a duplicate job, finds nothing to do.
      const request = await this.registrations.take(requestId, tx);
      if (!request) return [];
      const { email, passwordHash } = request;
      const created = await this.users.createUnverified(email, passwordHash, tx);
      const pending = created ?? (await this.users.replacePendingPassword(email, passwordHash, tx));
      if (!pending) {
        return this.outbox.stage(unit, [
          { to: email, template: 'registration-attempt', params: { occurredAt: new Date().toISOString() } },
        ]);
      }
      await this.oneTimeTokens.issue('email-verification', pending.id, hash, expiresAt, tx);
      // The visitor who signed up is not known to anyone yet: the entry's actor is anonymous.
      await this.audit.record(
        {
          actor: 'anonymous',
          action: created ? 'user.registered' : 'user.registration_replaced',
          target: { type: 'user', id: pending.id },
        },
        tx,
      );
      return this.outbox.stage(unit, [
        {
          to: email,
          template: 'verification',
          params: { token, expiresInHours: VERIFICATION_TOKEN_TTL_HOURS },
        },
      ]);
    });
    return { mailsStaged: mails.length };
  }
}
