import { Injectable } from '@nestjs/common';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { hashOneTimeToken } from '@rampart/identity';
import { PasswordHasher } from '../passwords/password-hasher';
import { LoginLockout } from '../login-lockout';

/**
 * Spends a verification token and activates its account, only with the account's password. The
 * link proves the mailbox; the password proves the one who clicks is the one who registered.
 * Without it, someone who registered another person's address would have the owner activate an
 * account whose password the registrant knows. A wrong password leaves the token usable and counts
 * toward the sign-in lockout of the address (it is a password guess like any other). Unknown, used
 * and expired tokens and wrong passwords all get the same answer.
 */
export interface VerifyEmailInput {
  token: string;
  password: string;
}

@Injectable()
export class VerifyEmail {
  constructor(
    private readonly database: Database,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
  ) {}

  async execute({ token, password }: VerifyEmailInput): Promise<void> {
    const tokenHash = hashOneTimeToken(token);
    const userId = await this.oneTimeTokens.findUsable('email-verification', tokenHash);
    // No password check (argon2) without a live token: the route is not a free hashing service.
    const user = userId ? await this.users.findByIdWithPassword(userId) : null;
    if (!user) throw invalidVerification();

    const charge = await this.lockout.charge(user.email);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      await this.lockout.failed(user.email, user, charge);
      throw invalidVerification();
    }
    const verified = await this.database.transaction(async (tx) => {
      // Spent atomically: a racing request, or a newer registration that retired this link since the
      // password check, makes this null, and the account stays as it is.
      const spentFor = await this.oneTimeTokens.consume('email-verification', tokenHash, tx);
      if (spentFor !== user.id) return false;
      await this.users.markEmailVerified(user.id, tx);
      return true;
    });
    if (!verified) {
      // The right password, for a link that a racing request or a newer sign-up spent: not a guess.
      await this.lockout.resolved(user.email);
      throw invalidVerification();
    }
    await this.lockout.succeeded(user.email);
  }
}

function invalidVerification(): DomainError {
  return new DomainError(
    'invalid_token',
    400,
    'The verification link is invalid, used or expired, or the password does not match.',
  );
}
