import { Injectable } from '@nestjs/common';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { validationProblem } from '@rampart/http';
import { PasswordHasher } from '../passwords/password-hasher';
import { checkPassword } from '../passwords/password-policy';
import { type UserPrincipal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';
import { ConfirmCurrentPassword } from './confirm-current-password';

/**
 * A signed-in user changes their password. The current one is required and counted like a sign-in
 * (ConfirmCurrentPassword), so a stolen access token cannot be used to guess it; every other session ends.
 */
export interface ChangePasswordInput {
  principal: UserPrincipal;
  currentPassword: string;
  newPassword: string;
}

@Injectable()
export class ChangePassword {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly hasher: PasswordHasher,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly confirmPassword: ConfirmCurrentPassword,
  ) {}

  async execute({ principal, currentPassword, newPassword }: ChangePasswordInput): Promise<void> {
    const user = await this.confirmPassword.execute({ principal, password: currentPassword });
    const violations = checkPassword(newPassword, user.email);
    if (violations.length)
      throw validationProblem({ newPassword: violations.map((violation) => violation.message) });
    const passwordHash = await this.hasher.hash(newPassword);
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      await this.users.updatePasswordHash(user.id, passwordHash, tx);
      await this.audit.record(
        { actor: actorOf(principal), action: 'auth.password_changed', target: { type: 'user', id: user.id } },
        tx,
      );
      const ended = await this.sessions.revokeAllOfUserExcept(
        user.id,
        principal.sessionId,
        'password_changed',
        tx,
      );
      afterCommit(() => this.state.endSessions(ended));
    });
  }
}
