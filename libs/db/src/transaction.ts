import { Injectable } from '@nestjs/common';
import type { Prisma } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

/**
 * An open database transaction, opaque outside this lib: callers pass it from `Database.transaction`
 * to repository methods so that several writes (a change, its audit entry, its outbox mail) commit
 * or roll back together.
 */
export interface DbTransaction {
  readonly __brand: 'DbTransaction';
}

export type TransactionClient = Prisma.TransactionClient;

/** The Prisma client to use: the transaction's when one is given, the pool's otherwise. */
export function clientOf(prisma: PrismaService, tx?: DbTransaction): TransactionClient {
  return (tx as unknown as TransactionClient | undefined) ?? prisma;
}

@Injectable()
export class Database {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in one transaction: everything it writes through `tx` commits together, or not at all. */
  transaction<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((client) => work(client as unknown as DbTransaction));
  }
}
