import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, LoginThrottleRepository } from '@rampart/db';
import { type Principal, actorOf } from '../../identity/principal';
import { UserLookup } from '../user-lookup';

export interface UnlockUserInput {
  actor: Principal;
  userId: string;
}

/** Lifts a sign-in lock, an administrator's or the lockout's, and clears the failure count. */
@Injectable()
export class UnlockUser {
  constructor(
    private readonly database: Database,
    private readonly throttles: LoginThrottleRepository,
    private readonly audit: AuditLog,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ actor, userId }: UnlockUserInput): Promise<void> {
    const user = await this.lookup.changeableBy(actor, userId);
    await this.database.transaction(async (tx) => {
      await this.throttles.clear(user.email, tx);
      await this.audit.record(
        { actor: actorOf(actor), action: 'user.unlocked', target: { type: 'user', id: userId } },
        tx,
      );
    });
  }
}
