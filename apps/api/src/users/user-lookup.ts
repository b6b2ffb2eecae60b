import { Injectable } from '@nestjs/common';
import { type User, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { Principal } from '../identity/principal';

/** Finds the account a users use case is about, with the refusals every one of them shares. */
@Injectable()
export class UserLookup {
  constructor(private readonly users: UserRepository) {}

  /** The user with this id; 404 `user_not_found` when there is none. */
  async byId(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new DomainError('user_not_found', 404, 'There is no user with this id.');
    return user;
  }

  /**
   * The user an administrator is about to change. Never their own account: an administrator who
   * disabled, locked or demoted themselves here could lock everyone out of administration.
   */
  async changeableBy(actor: Principal, id: string): Promise<User> {
    if (actor.kind === 'user' && actor.userId === id) {
      throw new DomainError(
        'cannot_change_own_account',
        409,
        'Administrators cannot change or lock their own account.',
      );
    }
    return this.byId(id);
  }
}
