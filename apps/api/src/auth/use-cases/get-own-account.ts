import { Injectable } from '@nestjs/common';
import { type User, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { UserPrincipal } from '../../identity/principal';

export interface GetOwnAccountInput {
  principal: UserPrincipal;
}

/** The signed-in user's own account. One deleted since the token was checked has no session left. */
@Injectable()
export class GetOwnAccount {
  constructor(private readonly users: UserRepository) {}

  async execute({ principal }: GetOwnAccountInput): Promise<User> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    return user;
  }
}
