import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, MfaRepository, SessionRepository, type User, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { EmailOutbox } from '@rampart/outbox';
import { type Principal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { UserLookup } from '../user-lookup';

export interface ResetUserMfaInput {
  actor: Principal;
  userId: string;
}

/**
 * Removes a user's second factor, for an owner who lost the authenticator and the recovery codes.
 * Everything of the old enrolment goes (secret, pending secret, recovery codes, used steps), and every
 * session and access token ends as with InvalidateUserTokens: whoever held a session under the old
 * factor must sign in again. The audit entry and the owner's mail commit with the change, so a reset
 * the owner did not ask for cannot go unnoticed.
 */
@Injectable()
export class ResetUserMfa {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly mfa: MfaRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly outbox: EmailOutbox,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ actor, userId }: ResetUserMfaInput): Promise<User> {
    const user = await this.lookup.changeableBy(actor, userId);
    if (!user.mfaEnabledAt) {
      throw new DomainError('mfa_not_enabled', 409, 'This user has no two-factor authentication to reset.');
    }
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      await this.mfa.disable(userId, tx);
      await this.users.bumpTokenVersion(userId, tx);
      const revoked = await this.sessions.revokeAllOfUser(userId, 'mfa_reset_by_admin', tx);
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.mfa_reset',
          target: { type: 'user', id: userId },
          changes: {
            before: { mfaEnabled: true },
            after: { mfaEnabled: false, sessionsEnded: revoked.length },
          },
        },
        tx,
      );
      unit.afterCommit(() => this.state.forgetUser(userId));
      unit.afterCommit(() => this.state.endSessions(revoked));
      await this.outbox.stage(unit, [
        { to: user.email, template: 'mfa-reset', params: { occurredAt: new Date().toISOString() } },
      ]);
    });
    return this.lookup.byId(userId);
  }
}
