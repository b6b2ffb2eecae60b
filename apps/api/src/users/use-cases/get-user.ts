import { Injectable } from '@nestjs/common';
import type { User } from '@rampart/db';
import { UserLookup } from '../user-lookup';

export interface GetUserInput {
  userId: string;
}

@Injectable()
export class GetUser {
  constructor(private readonly lookup: UserLookup) {}

  execute({ userId }: GetUserInput): Promise<User> {
    return this.lookup.byId(userId);
  }
}
