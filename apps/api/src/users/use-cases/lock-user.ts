import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { ApiConfig } from '@rampart/config';
import { Database, LoginThrottleRepository } from '@rampart/db';
import { type Principal, actorOf } from '../../identity/principal';
import { UserLookup } from '../user-lookup';

export interface LockUserInput {
  actor: Principal;
  userId: string;
}

/** A temporary sign-in lock (the lockout's, for LOGIN_LOCKOUT_MINUTES); open sessions stay. */
@Injectable()
export class LockUser {
  constructor(
    private readonly database: Database,
    private readonly throttles: LoginThrottleRepository,
    private readonly config: ApiConfig,
    private readonly audit: AuditLog,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ actor, userId }: LockUserInput): Promise<{ lockedUntil: Date }> {
    const user = await this.lookup.changeableBy(actor, userId);
    const lockedUntil = await this.database.transaction(async (tx) => {
      const until = await this.throttles.forceLock(user.email, this.config.lockout.durationMs, tx);
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'user.locked',
          target: { type: 'user', id: userId },
          changes: { after: { lockedUntil: until } },
        },
        tx,
      );
      return until;
    });
    return { lockedUntil };
  }
}
