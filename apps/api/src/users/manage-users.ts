import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import {
  Database,
  LoginThrottleRepository,
  MfaRepository,
  type Role,
  type Session,
  SessionRepository,
  type User,
  type UserListQuery,
  UserRepository,
} from '@rampart/db';
import { DomainError } from '@rampart/http';
import { EmailOutbox } from '@rampart/outbox';
import { AuditLog } from '@rampart/audit';
import { type Principal, actorOf } from '../identity/principal';
import { TokenState } from '../identity/token-state';

function notFound(): DomainError {
  return new DomainError('user_not_found', 404, 'There is no user with this id.');
}

/**
 * What administrators do to accounts. Every change reaches the token state at once (forgetUser,
 * endSessions), so a new role or a disable applies to the user's very next request, on every API
 * process. Each change commits with its audit entry. An administrator cannot change or lock their own
 * account here (no accidental self-lockout).
 */
@Injectable()
export class ManageUsers {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly throttles: LoginThrottleRepository,
    private readonly state: TokenState,
    private readonly config: ApiConfig,
    private readonly audit: AuditLog,
    private readonly mfa: MfaRepository,
    private readonly outbox: EmailOutbox,
  ) {}

  list(query: UserListQuery): Promise<{ items: User[]; total: number }> {
    return this.users.list(query);
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw notFound();
    return user;
  }

  async update(
    actor: Principal,
    id: string,
    change: { role?: Role; status?: 'active' | 'disabled' },
  ): Promise<User> {
    const user = await this.target(actor, id);
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const before: Record<string, string> = {};
      const after: Record<string, string> = {};
      let revoked: string[] = [];
      if (change.role && change.role !== user.role) {
        await this.users.setRole(id, change.role, tx);
        [before.role, after.role] = [user.role, change.role];
      }
      if (change.status && change.status !== user.status) {
        await this.users.setStatus(id, change.status, tx);
        [before.status, after.status] = [user.status, change.status];
        if (change.status === 'disabled')
          revoked = await this.sessions.revokeAllOfUser(id, 'account_disabled', tx);
      }
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.updated',
          target: { type: 'user', id },
          changes: { before, after },
        },
        tx,
      );
      afterCommit(() => this.state.forgetUser(id));
      afterCommit(() => this.state.endSessions(revoked));
    });
    return this.get(id);
  }

  /** A temporary sign-in lock (the lockout's, for LOGIN_LOCKOUT_MINUTES); open sessions stay. */
  async lock(actor: Principal, id: string): Promise<{ lockedUntil: Date }> {
    const user = await this.target(actor, id);
    const lockedUntil = await this.database.transaction(async (tx) => {
      const until = await this.throttles.forceLock(user.email, this.config.lockout.durationMs, tx);
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.locked',
          target: { type: 'user', id },
          changes: { after: { lockedUntil: until } },
        },
        tx,
      );
      return until;
    });
    return { lockedUntil };
  }

  async unlock(actor: Principal, id: string): Promise<void> {
    const user = await this.target(actor, id);
    await this.database.transaction(async (tx) => {
      await this.throttles.clear(user.email, tx);
      await this.audit.record(
        { actor: actorOf(actor), action: 'user.unlocked', target: { type: 'user', id } },
        tx,
      );
    });
  }

  /** The seeds' incident response: every session and every access token of the user, now. */
  async invalidateTokens(actor: Principal, id: string): Promise<void> {
    await this.target(actor, id);
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      await this.users.bumpTokenVersion(id, tx);
      const revoked = await this.sessions.revokeAllOfUser(id, 'invalidated_by_admin', tx);
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.tokens_invalidated',
          target: { type: 'user', id },
          changes: { after: { sessionsEnded: revoked.length } },
        },
        tx,
      );
      afterCommit(() => this.state.forgetUser(id));
      afterCommit(() => this.state.endSessions(revoked));
    });
  }

  /**
   * Removes a user's second factor, for an owner who lost the authenticator and the recovery codes.
   * Everything of the old enrolment goes (secret, pending secret, recovery codes, used steps), and every
   * session and access token ends as with invalidateTokens: whoever held a session under the old
   * factor must sign in again. The audit entry and the owner's mail commit with the change, so a reset
   * the owner did not ask for cannot go unnoticed.
   */
  async resetMfa(actor: Principal, id: string): Promise<User> {
    const user = await this.target(actor, id);
    if (!user.mfaEnabledAt) {
      throw new DomainError('mfa_not_enabled', 409, 'This user has no two-factor authentication to reset.');
    }
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      await this.mfa.disable(id, tx);
      await this.users.bumpTokenVersion(id, tx);
      const revoked = await this.sessions.revokeAllOfUser(id, 'mfa_reset_by_admin', tx);
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.mfa_reset',
          target: { type: 'user', id },
          changes: {
            before: { mfaEnabled: true },
            after: { mfaEnabled: false, sessionsEnded: revoked.length },
          },
        },
        tx,
      );
      unit.afterCommit(() => this.state.forgetUser(id));
      unit.afterCommit(() => this.state.endSessions(revoked));
      await this.outbox.stage(unit, [
        { to: user.email, template: 'mfa-reset', params: { occurredAt: new Date().toISOString() } },
      ]);
    });
    return this.get(id);
  }

  async sessionsOf(id: string): Promise<Session[]> {
    await this.get(id);
    return this.sessions.listActiveOfUser(id);
  }

  /** Ends one session of a user (an admin for anyone, a user for themselves). */
  async endSession(actor: Principal, userId: string, sessionId: string, reason: string): Promise<void> {
    const ended = await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      if (!(await this.sessions.revokeOfUser(userId, sessionId, reason, tx))) return false;
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'session.ended',
          target: { type: 'session', id: sessionId },
          changes: { after: { userId, reason } },
        },
        tx,
      );
      afterCommit(() => this.state.endSessions([sessionId]));
      return true;
    });
    if (!ended)
      throw new DomainError('session_not_found', 404, 'There is no open session with this id for this user.');
  }

  private async target(actor: Principal, id: string): Promise<User> {
    if (actor.kind === 'user' && actor.userId === id) {
      throw new DomainError(
        'cannot_change_own_account',
        409,
        'Administrators cannot change or lock their own account.',
      );
    }
    return this.get(id);
  }
}
