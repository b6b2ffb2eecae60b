import { Injectable } from '@nestjs/common';
import { Database, SessionRepository } from '@rampart/db';
import { type UserPrincipal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';

export interface LogOutInput {
  principal: UserPrincipal;
}

/** Ends this session: its refresh tokens stop working and this access token is denied until it expires. */
@Injectable()
export class LogOut {
  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {}

  async execute({ principal }: LogOutInput): Promise<void> {
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
}
