import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import {
  Database,
  type Role,
  SessionRepository,
  type User,
  UserRepository,
  type UserStatus,
} from '@rampart/db';
import { type Principal, actorOf } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { UserLookup } from '../user-lookup';

/** The statuses an administrator sets; `unverified` is the sign-up's alone. */
export const SETTABLE_STATUSES = ['active', 'disabled'] as const satisfies readonly UserStatus[];
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export interface UpdateUserInput {
  actor: Principal;
  userId: string;
  change: { role?: Role; status?: SettableStatus };
}

/**
 * An administrator changes a user's role or status. The change reaches the token state at once
 * (forgetUser, endSessions), so a new role or a disable applies to the user's very next request on
 * every API process; a disable also ends every session. It commits with its audit entry.
 */
@Injectable()
export class UpdateUser {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ actor, userId, change }: UpdateUserInput): Promise<User> {
    const user = await this.lookup.changeableBy(actor, userId);
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const before: Record<string, string> = {};
      const after: Record<string, string> = {};
      let revoked: string[] = [];
      if (change.role && change.role !== user.role) {
        await this.users.setRole(userId, change.role, tx);
        [before.role, after.role] = [user.role, change.role];
      }
      if (change.status && change.status !== user.status) {
        await this.users.setStatus(userId, change.status, tx);
        [before.status, after.status] = [user.status, change.status];
        if (change.status === 'disabled')
          revoked = await this.sessions.revokeAllOfUser(userId, 'account_disabled', tx);
      }
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.updated',
          target: { type: 'user', id: userId },
          changes: { before, after },
        },
        tx,
      );
      afterCommit(() => this.state.forgetUser(userId));
      afterCommit(() => this.state.endSessions(revoked));
    });
    return this.lookup.byId(userId);
  }
}
