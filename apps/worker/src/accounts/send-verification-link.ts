import { Injectable } from '@nestjs/common';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { VERIFICATION_TOKEN_TTL_HOURS, newOneTimeToken } from '@rampart/identity';
import type { AccountRequestResult, AddressRequestPayload } from '@rampart/jobs';
import { EmailOutbox } from '@rampart/outbox';

/**
 * A fresh verification link for an unverified account (earlier links stop working), after the API
 * has answered 202. Any other address gets nothing.
 */
@Injectable()
export class SendVerificationLink {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly outbox: EmailOutbox,
  ) {}

  async run({ email }: AddressRequestPayload): Promise<AccountRequestResult> {
    const { token, hash } = newOneTimeToken();
    const mails = await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      const user = await this.users.findByEmail(email, tx);
      if (!user || user.status !== 'unverified') return [];
      await this.oneTimeTokens.issue(
        'email-verification',
        user.id,
        hash,
        new Date(Date.now() + VERIFICATION_TOKEN_TTL_HOURS * 3_600_000),
        tx,
      );
      return this.outbox.stage(unit, [
        {
          to: user.email,
          template: 'verification',
          params: { token, expiresInHours: VERIFICATION_TOKEN_TTL_HOURS },
        },
      ]);
    });
    return { mailsStaged: mails.length };
  }
}
