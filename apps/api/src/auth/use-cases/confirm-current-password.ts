import { Injectable } from '@nestjs/common';
import { UserRepository, type UserWithPassword } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { normaliseEmail } from '@rampart/identity';
import { PasswordHasher } from '../passwords/password-hasher';
import { type UserPrincipal, actorOf } from '../../identity/principal';
import { LoginLockout } from '../login-lockout';
import { type AuditEvent, AuditLog } from '@rampart/audit';

/**
 * The re-authentication in front of every sensitive change to one's own account (password change,
 * TOTP setup, enable and disable, new recovery codes). An access token alone proves little: it can be
 * read from a page, a log or a proxy and replayed for 15 minutes. So the current password travels in
 * the very request that makes the change, and each check is counted like a sign-in (LoginLockout):
 * a token holder guessing the password reaches the same LOGIN_MAX_FAILURES lock as at /login, and the
 * owner's right password is taken back, so it never moves the account towards a lock.
 */
export interface ConfirmCurrentPasswordInput {
  principal: UserPrincipal;
  password: string;
}

@Injectable()
export class ConfirmCurrentPassword {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditLog,
  ) {}

  /** The signed-in user, once `password` is confirmed to be theirs; 401 if wrong, 429 while locked. */
  async execute({ principal, password }: ConfirmCurrentPasswordInput): Promise<UserWithPassword> {
    const user = await this.users.findByIdWithPassword(principal.userId);
    if (!user) throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    const email = normaliseEmail(user.email);
    const event: AuditEvent<'auth.password_confirmation'> = {
      actor: actorOf(principal),
      action: 'auth.password_confirmation',
      target: { type: 'user', id: user.id },
    };

    const charge = await this.lockout.charge(email).catch(async (error: unknown) => {
      await this.audit.record({ ...event, outcome: 'denied' });
      throw error;
    });
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      await this.lockout.failed(email, user, charge);
      await this.audit.record({ ...event, outcome: 'failure' });
      throw new DomainError('invalid_credentials', 401, 'The current password is wrong.');
    }
    await this.lockout.resolved(email);
    return user;
  }
}
