import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, SessionRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { type Principal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';

export interface EndUserSessionInput {
  actor: Principal;
  userId: string;
  sessionId: string;
  /** Stored with the session: who ended it. */
  reason: 'ended_by_admin' | 'ended_by_user';
}

/** Ends one session of a user (an administrator for anyone, a user for themselves), at once everywhere. */
@Injectable()
export class EndUserSession {
  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {}

  async execute({ actor, userId, sessionId, reason }: EndUserSessionInput): Promise<void> {
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
}
