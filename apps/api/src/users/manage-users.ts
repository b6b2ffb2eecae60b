import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import {
  Database,
  LoginThrottleRepository,
  type Role,
  type Session,
  SessionRepository,
  type User,
  type UserListQuery,
  UserRepository,
} from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { Principal } from '../auth/tokens/principal';
import { TokenState } from '../auth/tokens/token-state';

function notFound(): DomainError {
  return new DomainError('user_not_found', 404, 'There is no user with this id.');
}

/**
 * What administrators do to accounts. Every change reaches the token state at once (forgetUser,
 * endSessions), so a new role or a disable applies to the user's very next request, on every API
 * process. An administrator cannot change or lock their own account here (no accidental self-lockout).
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
    const ended = await this.database.transaction(async (tx) => {
      if (change.role && change.role !== user.role) await this.users.setRole(id, change.role, tx);
      if (change.status && change.status !== user.status) {
        await this.users.setStatus(id, change.status, tx);
        if (change.status === 'disabled') return this.sessions.revokeAllOfUser(id, 'account_disabled', tx);
      }
      return [];
    });
    await this.state.forgetUser(id);
    await this.state.endSessions(ended);
    return this.get(id);
  }

  /** A temporary sign-in lock (the lockout's, for LOGIN_LOCKOUT_MINUTES); open sessions stay. */
  async lock(actor: Principal, id: string): Promise<{ lockedUntil: Date }> {
    const user = await this.target(actor, id);
    return { lockedUntil: await this.throttles.forceLock(user.email, this.config.lockout.durationMs) };
  }

  async unlock(actor: Principal, id: string): Promise<void> {
    const user = await this.target(actor, id);
    await this.throttles.clear(user.email);
  }

  /** The seeds' incident response: every session and every access token of the user, now. */
  async invalidateTokens(actor: Principal, id: string): Promise<void> {
    await this.target(actor, id);
    const ended = await this.database.transaction(async (tx) => {
      await this.users.bumpTokenVersion(id, tx);
      return this.sessions.revokeAllOfUser(id, 'invalidated_by_admin', tx);
    });
    await this.state.forgetUser(id);
    await this.state.endSessions(ended);
  }

  async sessionsOf(id: string): Promise<Session[]> {
    await this.get(id);
    return this.sessions.listActiveOfUser(id);
  }

  /** Ends one session of a user (an admin for anyone, a user for themselves). */
  async endSession(userId: string, sessionId: string, reason: string): Promise<void> {
    if (!(await this.sessions.revokeOfUser(userId, sessionId, reason))) {
      throw new DomainError('session_not_found', 404, 'There is no open session with this id for this user.');
    }
    await this.state.endSessions([sessionId]);
  }

  private async target(actor: Principal, id: string): Promise<User> {
    if (actor.userId === id) {
      throw new DomainError(
        'cannot_change_own_account',
        409,
        'Administrators cannot change or lock their own account.',
      );
    }
    return this.get(id);
  }
}
