import { Injectable } from '@nestjs/common';
import { Prisma, type Rollout as RolloutRow } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type {
  NewRollout,
  NewRolloutDecision,
  Rollout,
  RolloutChanges,
  RolloutDecisionRecord,
  RolloutListQuery,
} from './rollout';

function json(value: unknown): Prisma.InputJsonValue | typeof Prisma.JsonNull {
  return value === undefined || value === null ? Prisma.JsonNull : value;
}

function toRollout(row: RolloutRow): Rollout {
  return { ...row, guardrailState: row.guardrailState ?? {}, controlFlag: row.controlFlag ?? null };
}

/** Rollouts and their decisions. */
@Injectable()
export class RolloutRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The new draft, or null when the flag already has a rollout that has not ended. */
  async create(rollout: NewRollout, tx?: DbTransaction): Promise<Rollout | null> {
    try {
      const row = await clientOf(this.prisma, tx).rollout.create({
        data: { ...rollout, plan: rollout.plan as Prisma.InputJsonValue },
      });
      return toRollout(row);
    } catch (error) {
      // The only unique key a new row can break is rollouts_one_open_per_flag (the id is random).
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
      throw error;
    }
  }

  async find(id: string, tx?: DbTransaction): Promise<Rollout | null> {
    const row = await clientOf(this.prisma, tx).rollout.findUnique({ where: { id } });
    return row ? toRollout(row) : null;
  }

  /** One page, newest first, with the total that match. */
  async list(query: RolloutListQuery): Promise<{ items: Rollout[]; total: number }> {
    const where = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.flagKey ? { flagKey: query.flagKey } : {}),
    };
    const [items, total] = await this.prisma.$transaction([
      this.prisma.rollout.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      }),
      this.prisma.rollout.count({ where }),
    ]);
    return { items: items.map(toRollout), total };
  }

  /**
   * The rollouts of these flags that have not ended, their rows share-locked until the transaction
   * ends: a flag-set edit that checks them cannot interleave with a rollout changing state (a resume
   * waits for the edit, or the edit waits for the resume and then sees it running).
   */
  async openForFlags(flagKeys: string[], tx: DbTransaction): Promise<Rollout[]> {
    if (!flagKeys.length) return [];
    const ids = await clientOf(this.prisma, tx).$queryRaw<{ id: string }[]>`
      SELECT id FROM rollouts
      WHERE flag_key = ANY(${flagKeys}::text[]) AND ended_at IS NULL
      FOR SHARE`;
    if (!ids.length) return [];
    const rows = await clientOf(this.prisma, tx).rollout.findMany({
      where: { id: { in: ids.map((row) => row.id) } },
    });
    return rows.map(toRollout);
  }

  /**
   * Writes `changes` and the next state version only if the rollout is still at `expectedVersion`;
   * null when it is not (or is gone). Of several writers based on one state exactly one matches: the
   * others wait on its row lock, then find the version moved on.
   */
  async updateIfState(
    id: string,
    expectedVersion: number,
    changes: RolloutChanges,
    tx?: DbTransaction,
  ): Promise<Rollout | null> {
    const client = clientOf(this.prisma, tx);
    const { guardrailState, controlFlag, ...plain } = changes;
    const { count } = await client.rollout.updateMany({
      where: { id, stateVersion: expectedVersion },
      data: {
        ...plain,
        ...(guardrailState !== undefined ? { guardrailState: guardrailState as Prisma.InputJsonValue } : {}),
        ...(controlFlag !== undefined ? { controlFlag: json(controlFlag) } : {}),
        updatedAt: new Date(),
        stateVersion: { increment: 1 },
      },
    });
    if (!count) return null;
    const row = await client.rollout.findUnique({ where: { id } });
    return row ? toRollout(row) : null;
  }

  /** Appends a decision, numbered after the rollout's last one. */
  async addDecision(decision: NewRolloutDecision, tx?: DbTransaction): Promise<RolloutDecisionRecord> {
    const client = clientOf(this.prisma, tx);
    const last = await client.rolloutDecision.aggregate({
      where: { rolloutId: decision.rolloutId },
      _max: { seq: true },
    });
    const row = await client.rolloutDecision.create({
      data: {
        rolloutId: decision.rolloutId,
        seq: (last._max.seq ?? 0) + 1,
        decision: decision.decision,
        reason: decision.reason,
        evidence: decision.evidence ?? {},
        actor: decision.actor,
        flagVersion: decision.flagVersion ?? null,
      },
    });
    return { ...row, evidence: row.evidence ?? {} };
  }

  /** Every decision, oldest first. */
  async decisions(rolloutId: string, tx?: DbTransaction): Promise<RolloutDecisionRecord[]> {
    const rows = await clientOf(this.prisma, tx).rolloutDecision.findMany({
      where: { rolloutId },
      orderBy: { seq: 'asc' },
    });
    return rows.map((row) => ({ ...row, evidence: row.evidence ?? {} }));
  }

  /** The newest decision of each of these rollouts. */
  async lastDecisions(rolloutIds: string[]): Promise<Map<string, RolloutDecisionRecord>> {
    if (!rolloutIds.length) return new Map();
    const rows = await this.prisma.rolloutDecision.findMany({
      where: { rolloutId: { in: rolloutIds } },
      orderBy: [{ rolloutId: 'asc' }, { seq: 'desc' }],
      distinct: ['rolloutId'],
    });
    return new Map(rows.map((row) => [row.rolloutId, { ...row, evidence: row.evidence ?? {} }]));
  }
}
