import { Injectable } from '@nestjs/common';
import {
  Database,
  LoginThrottleRepository,
  OneTimeTokenRepository,
  SessionRepository,
  UserRepository,
} from '@rampart/db';
import { DomainError, validationProblem } from '@rampart/http';
import { hashOneTimeToken } from '@rampart/identity';
import { PasswordHasher } from '../passwords/password-hasher';
import { checkPassword } from '../passwords/password-policy';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';

export interface ResetPasswordInput {
  /** From the link the worker mailed after RequestPasswordReset. */
  token: string;
  newPassword: string;
}

/**
 * Sets a forgotten password with the one-time link. A reset ends every session and access token of
 * the account and lifts a lockout. The link proves control of the address, so a reset also
 * activates a pending account with the new password: whoever registered the address before its
 * owner is locked out of it.
 */
@Injectable()
export class ResetPassword {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly oneTimeTokens: OneTimeTokenRepository,
    private readonly sessions: SessionRepository,
    private readonly throttles: LoginThrottleRepository,
    private readonly hasher: PasswordHasher,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {}

  async execute({ token, newPassword }: ResetPasswordInput): Promise<void> {
    const passwordHash = await this.hasher.hash(newPassword);
    const reset = await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const userId = await this.oneTimeTokens.consume('password-reset', hashOneTimeToken(token), tx);
      if (!userId) return false;
      const user = await this.users.findById(userId, tx);
      if (!user) return false;
      const violations = checkPassword(newPassword, user.email);
      if (violations.length)
        throw validationProblem({ newPassword: violations.map((violation) => violation.message) });
      await this.users.updatePasswordHash(userId, passwordHash, tx);
      await this.users.bumpTokenVersion(userId, tx);
      // The link came by mail, so the address is proven: an unverified account becomes active.
      if (user.status === 'unverified') await this.users.markEmailVerified(userId, tx);
      const ended = await this.sessions.revokeAllOfUser(userId, 'password_reset', tx);
      await this.throttles.clear(user.email, tx);
      await this.audit.record(
        { actor: { userId }, action: 'auth.password_reset', target: { type: 'user', id: userId } },
        tx,
      );
      afterCommit(() => this.state.forgetUser(userId));
      afterCommit(() => this.state.endSessions(ended));
      return true;
    });
    if (!reset) throw new DomainError('invalid_token', 400, 'The reset link is invalid, used or expired.');
  }
}
