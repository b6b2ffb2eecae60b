import { Injectable } from '@nestjs/common';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { hashOneTimeToken } from '../one-time-token';

/** Spends a verification token and activates its account. Unknown, used and expired tokens fail alike. */
@Injectable()
export class VerifyEmail {
  constructor(
    private readonly database: Database,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly users: UserRepository,
  ) {}

  async execute(token: string): Promise<void> {
    const verified = await this.database.transaction(async (tx) => {
      const userId = await this.oneTimeTokens.consume('email-verification', hashOneTimeToken(token), tx);
      if (!userId) return false;
      await this.users.markEmailVerified(userId, tx);
      return true;
    });
    if (!verified)
      throw new DomainError('invalid_token', 400, 'The verification link is invalid, used or expired.');
  }
}
