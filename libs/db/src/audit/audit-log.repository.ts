import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AuditLog as AuditRow, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, type TransactionClient, clientOf } from '../transaction';
import type { AuditEntry, AuditFilters, AuditQuery, AuditVerification, NewAuditEntry } from './audit-entry';
import { GENESIS_HASH, auditHash } from './audit-hash';

/** Advisory lock that serialises appends, so concurrent writers cannot fork the chain. */
const AUDIT_APPEND_LOCK = 7_031_982_215;
const VERIFY_BATCH = 1_000;

/** The hashed content of an entry: everything but seq (assigned by the database) and the hashes. */
function content(row: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>): Record<string, unknown> {
  return {
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    actor: row.actor,
    actorId: row.actorId,
    actorRole: row.actorRole,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    changes: row.changes ?? null,
    outcome: row.outcome,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    requestId: row.requestId,
  };
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq.toString(),
    id: row.id,
    occurredAt: row.occurredAt,
    actor: row.actor,
    actorId: row.actorId,
    actorRole: row.actorRole,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    changes: (row.changes ?? null) as AuditEntry['changes'],
    outcome: row.outcome as AuditEntry['outcome'],
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    requestId: row.requestId,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Appends an entry inside the caller's transaction (or its own): the entry commits with the
   * change it records, or neither does. The transaction-scoped advisory lock makes appends take
   * turns until commit, so each entry links to the one committed before it.
   */
  async append(entry: NewAuditEntry, tx?: DbTransaction): Promise<AuditEntry> {
    if (!tx) return this.prisma.$transaction((client) => this.appendWith(client, entry));
    return this.appendWith(clientOf(this.prisma, tx), entry);
  }

  private async appendWith(client: TransactionClient, entry: NewAuditEntry): Promise<AuditEntry> {
    await client.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_APPEND_LOCK}::bigint)`;
    const last = await client.auditLog.findFirst({ orderBy: { seq: 'desc' }, select: { hash: true } });
    const prevHash = last?.hash ?? GENESIS_HASH;
    const base = {
      id: randomUUID(),
      occurredAt: new Date(),
      actor: entry.actor,
      actorId: entry.actorId ?? null,
      actorRole: entry.actorRole ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      changes: entry.changes ?? null,
      outcome: entry.outcome,
      ipAddress: entry.ipAddress?.slice(0, 64) ?? null,
      userAgent: entry.userAgent?.slice(0, 512) ?? null,
      requestId: entry.requestId?.slice(0, 128) ?? null,
    };
    const hash = auditHash(prevHash, content(base));
    const row = await client.auditLog.create({
      data: {
        ...base,
        changes: (base.changes ?? undefined) as Prisma.InputJsonValue | undefined,
        prevHash,
        hash,
      },
    });
    return toEntry(row);
  }

  /** A page of entries, oldest first, filtered. */
  async query(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.prisma.auditLog.findMany({
      where: {
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.targetType ? { targetType: query.targetType } : {}),
        ...(query.targetId ? { targetId: query.targetId } : {}),
        ...(query.from || query.to
          ? {
              occurredAt: {
                ...(query.from ? { gte: query.from } : {}),
                ...(query.to ? { lt: query.to } : {}),
              },
            }
          : {}),
        ...(query.afterSeq ? { seq: { gt: BigInt(query.afterSeq) } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: query.limit,
    });
    return rows.map(toEntry);
  }

  /** Every entry in order, in batches, for export. */
  async *all(filters: AuditFilters): AsyncGenerator<AuditEntry> {
    let afterSeq: string | undefined;
    for (;;) {
      const page = await this.query({ ...filters, ...(afterSeq ? { afterSeq } : {}), limit: VERIFY_BATCH });
      yield* page;
      if (page.length < VERIFY_BATCH) return;
      afterSeq = page[page.length - 1]?.seq;
    }
  }

  /** Walks the whole chain, recomputing each hash and link; names the first entry that does not match. */
  async verify(): Promise<AuditVerification> {
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for await (const entry of this.all({})) {
      if (entry.prevHash !== prevHash)
        return { valid: false, checked, firstBroken: { seq: entry.seq, id: entry.id, reason: 'link' } };
      if (auditHash(prevHash, content(entry)) !== entry.hash) {
        return { valid: false, checked, firstBroken: { seq: entry.seq, id: entry.id, reason: 'hash' } };
      }
      prevHash = entry.hash;
      checked += 1;
    }
    return { valid: true, checked, firstBroken: null };
  }
}
