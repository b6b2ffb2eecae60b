import { Injectable } from '@nestjs/common';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { EmailOutbox } from '../../email/email-outbox.service';
import { normaliseEmail } from '../email-address';
import { newOneTimeToken } from '../one-time-token';
import { VERIFICATION_TOKEN_TTL_HOURS } from './register-account';

/**
 * Sends a fresh verification link to an unverified account (earlier links stop working). For any
 * other address it does nothing, and the caller answers the same either way.
 */
@Injectable()
export class ResendVerification {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly outbox: EmailOutbox,
  ) {}

  async execute(rawEmail: string): Promise<void> {
    const email = normaliseEmail(rawEmail);
    const { token, hash } = newOneTimeToken();
    const mails = await this.database.transaction(async (tx) => {
      const user = await this.users.findByEmail(email, tx);
      if (!user || user.status !== 'unverified') return [];
      await this.oneTimeTokens.issue(
        'email-verification',
        user.id,
        hash,
        new Date(Date.now() + VERIFICATION_TOKEN_TTL_HOURS * 3_600_000),
        tx,
      );
      return this.outbox.stage(tx, [
        {
          to: email,
          template: 'verification',
          params: { token, expiresInHours: VERIFICATION_TOKEN_TTL_HOURS },
        },
      ]);
    });
    await this.outbox.dispatch(mails);
  }
}
