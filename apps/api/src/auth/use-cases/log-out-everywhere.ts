import { Injectable } from '@nestjs/common';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { type UserPrincipal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';

export interface LogOutEverywhereInput {
  principal: UserPrincipal;
}

/** Ends every session of the user, and every access token issued so far (the token version moves on). */
@Injectable()
export class LogOutEverywhere {
  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {}

  async execute({ principal }: LogOutEverywhereInput): Promise<void> {
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
