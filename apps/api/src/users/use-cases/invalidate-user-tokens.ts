import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { type Principal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { UserLookup } from '../user-lookup';

export interface InvalidateUserTokensInput {
  /** An administrator (POST /v1/admin/users/:id/invalidate-tokens), or the operator's CLI (`system:cli`). */
  actor: Principal | `system:${string}`;
  userId: string;
}

/**
 * The seeds' incident response: every session and every access token of the user ends, now. Also
 * `npm run secrets:revoke-all -- --user <email>`, for a compromised account when no administrator
 * can sign in.
 */
@Injectable()
export class InvalidateUserTokens {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ actor, userId }: InvalidateUserTokensInput): Promise<void> {
    if (typeof actor === 'string') await this.lookup.byId(userId);
    else await this.lookup.changeableBy(actor, userId);
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      await this.users.bumpTokenVersion(userId, tx);
      const revoked = await this.sessions.revokeAllOfUser(userId, 'invalidated_by_admin', tx);
      await this.audit.record(
        {
          actor: typeof actor === 'string' ? actor : actorOf(actor),
          action: 'user.tokens_invalidated',
          target: { type: 'user', id: userId },
          changes: { after: { sessionsEnded: revoked.length } },
        },
        tx,
      );
      afterCommit(() => this.state.forgetUser(userId));
      afterCommit(() => this.state.endSessions(revoked));
    });
  }
}
