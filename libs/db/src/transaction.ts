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

/**
 * A transaction and what must happen once it has committed: dispatching the mail it staged, ending
 * sessions in Redis, telling other processes about a change. Steps run in the order they were added,
 * after the commit and never after a rollback; the first that fails fails the unit (its writes stay
 * committed, so each step must be safe to lose or to repeat, as the outbox sweeper makes dispatch).
 */
export interface UnitOfWork {
  readonly tx: DbTransaction;
  /** A plain function (no `this`), so callers may destructure it. */
  readonly afterCommit: (step: () => Promise<void>) => void;
}

@Injectable()
export class Database {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in one transaction, then the steps it registered with `afterCommit`. */
  async unitOfWork<T>(work: (unit: UnitOfWork) => Promise<T>): Promise<T> {
    const steps: (() => Promise<void>)[] = [];
    const result = await this.transaction((tx) => work({ tx, afterCommit: (step) => void steps.push(step) }));
    for (const step of steps) await step();
    return result;
  }

  /** Runs `work` in one transaction: everything it writes through `tx` commits together, or not at all. */
  transaction<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((client) => work(client as unknown as DbTransaction));
  }
}
