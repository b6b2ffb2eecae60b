import { Injectable } from '@nestjs/common';
import { type Session, SessionRepository } from '@rampart/db';
import { UserLookup } from '../user-lookup';

export interface ListUserSessionsInput {
  userId: string;
}

/** The open sessions of a user (an administrator's view of anyone, a user's of themselves). */
@Injectable()
export class ListUserSessions {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly lookup: UserLookup,
  ) {}

  async execute({ userId }: ListUserSessionsInput): Promise<Session[]> {
    await this.lookup.byId(userId);
    return this.sessions.listActiveOfUser(userId);
  }
}
