import { Injectable } from '@nestjs/common';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { validationProblem } from '@rampart/http';
import { EmailOutbox } from '../../email/email-outbox.service';
import { CaptchaGate } from '../captcha/captcha-gate';
import { normaliseEmail } from '../email-address';
import { newOneTimeToken } from '../one-time-token';
import { PasswordHasher } from '../passwords/password-hasher';
import { checkPassword } from '../passwords/password-policy';

export const VERIFICATION_TOKEN_TTL_HOURS = 24;

/**
 * Sign-up. A new address gets an unverified account and a verification mail; an address that
 * already has an account gets a mail telling its owner someone tried. Both answer the same and
 * take about as long (the password is hashed either way), so sign-up cannot reveal who has an
 * account. Account, token and mail commit in one transaction.
 */
@Injectable()
export class RegisterAccount {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly hasher: PasswordHasher,
    private readonly outbox: EmailOutbox,
    private readonly captcha: CaptchaGate,
  ) {}

  async execute(
    input: { email: string; password: string; captchaToken?: string },
    remoteIp: string | null = null,
  ): Promise<void> {
    await this.captcha.require(input.captchaToken, remoteIp);
    const email = normaliseEmail(input.email);
    const violations = checkPassword(input.password, email);
    if (violations.length) {
      throw validationProblem({ password: violations.map((violation) => violation.message) });
    }
    const passwordHash = await this.hasher.hash(input.password);
    const { token, hash } = newOneTimeToken();
    const expiresAt = new Date(Date.now() + VERIFICATION_TOKEN_TTL_HOURS * 3_600_000);

    const mails = await this.database.transaction(async (tx) => {
      const user = await this.users.createUnverified(email, passwordHash, tx);
      if (!user) {
        return this.outbox.stage(tx, [
          { to: email, template: 'registration-attempt', params: { occurredAt: new Date().toISOString() } },
        ]);
      }
      await this.oneTimeTokens.issue('email-verification', user.id, hash, expiresAt, tx);
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
