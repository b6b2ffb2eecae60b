import { Injectable } from '@nestjs/common';
import { type User, type UserListQuery, UserRepository } from '@rampart/db';

export type ListUsersInput = UserListQuery;

/** One page of users, filtered by part of the address, role and status, with the total that match. */
@Injectable()
export class ListUsers {
  constructor(private readonly users: UserRepository) {}

  execute(input: ListUsersInput): Promise<{ items: User[]; total: number }> {
    return this.users.list(input);
  }
}
