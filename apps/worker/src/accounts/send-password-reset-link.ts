import { Injectable } from '@nestjs/common';
import { WorkerConfig } from '@rampart/config';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { newOneTimeToken } from '@rampart/identity';
import type { AccountRequestResult, AddressRequestPayload } from '@rampart/jobs';
import { EmailOutbox } from '@rampart/outbox';

/**
 * A password reset link (PASSWORD_RESET_TTL_MINUTES) for an account that is not disabled, after the
 * API has answered 202. Pending accounts get one too: the link proves control of the address, so
 * the reset also activates the account. Unknown addresses get nothing.
 */
@Injectable()
export class SendPasswordResetLink {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly outbox: EmailOutbox,
    private readonly config: WorkerConfig,
  ) {}

  async run({ email }: AddressRequestPayload): Promise<AccountRequestResult> {
    const { token, hash } = newOneTimeToken();
    const ttlMinutes = this.config.passwordResetTtlMinutes;
    const mails = await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      const user = await this.users.findByEmail(email, tx);
      if (!user || user.status === 'disabled') return [];
      await this.oneTimeTokens.issue(
        'password-reset',
        user.id,
        hash,
        new Date(Date.now() + ttlMinutes * 60_000),
        tx,
      );
      return this.outbox.stage(unit, [
        { to: user.email, template: 'password-reset', params: { token, expiresInMinutes: ttlMinutes } },
      ]);
    });
    return { mailsStaged: mails.length };
  }
}
