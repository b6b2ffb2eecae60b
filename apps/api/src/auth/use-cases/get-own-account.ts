import { Injectable } from '@nestjs/common';
import type { User } from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { UserPrincipal } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';

export interface GetOwnAccountInput {
  principal: UserPrincipal;
}

/**
 * The signed-in user's own account, as the token check just saw it (TokenState's cache, kept exact
 * by forgetUser after every change): no database read on this hot path. One deleted since has no
 * session left.
 */
@Injectable()
export class GetOwnAccount {
  constructor(private readonly state: TokenState) {}

  async execute({ principal }: GetOwnAccountInput): Promise<User> {
    const user = await this.state.accountOf(principal);
    if (!user) throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    return user;
  }
}
