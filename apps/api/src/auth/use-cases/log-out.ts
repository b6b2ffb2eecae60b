import { Injectable } from '@nestjs/common';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { type UserPrincipal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';

/** Ending sessions: this one (logout) or all of the user's at once (logout-all). */
@Injectable()
export class LogOut {
  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {}

  /** This session: its refresh tokens stop working and this access token is denied until it expires. */
  async current(principal: UserPrincipal): Promise<void> {
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      await this.sessions.revoke(principal.sessionId, 'logout', tx);
      await this.audit.record(
        {
          actor: actorOf(principal),
          action: 'auth.logout',
          target: { type: 'session', id: principal.sessionId },
        },
        tx,
      );
      afterCommit(() => this.state.endSessions([principal.sessionId]));
      afterCommit(() => this.state.deny(principal.jti, principal.expiresAt));
    });
  }

  /** Every session of the user, and every access token issued so far (the token version moves on). */
  async everywhere(principal: UserPrincipal): Promise<void> {
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      await this.users.bumpTokenVersion(principal.userId, tx);
      const revoked = await this.sessions.revokeAllOfUser(principal.userId, 'logout_all', tx);
      await this.audit.record(
        {
          actor: actorOf(principal),
          action: 'auth.logout_all',
          target: { type: 'user', id: principal.userId },
        },
        tx,
      );
      afterCommit(() => this.state.forgetUser(principal.userId));
      afterCommit(() => this.state.endSessions(revoked));
    });
  }
}
