import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type AuditLog as AuditRow, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type { AuditEntry, AuditFilters, AuditQuery, AuditVerification, NewAuditEntry } from './audit-entry';
import { GENESIS_HASH, auditHash, canonicalJson } from './audit-hash';

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

/** A row of `audit_append(...)`: the table's column names. */
interface AppendedRow {
  seq: bigint;
  id: string;
  occurred_at: Date;
  actor: string;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  changes: unknown;
  outcome: string;
  ip_address: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

function appendedEntry(row: AppendedRow): AuditEntry {
  return toEntry({
    seq: row.seq,
    id: row.id,
    occurredAt: row.occurred_at,
    actor: row.actor,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    changes: row.changes as AuditRow['changes'],
    outcome: row.outcome,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  });
}

/**
 * The call that appends `entry` to the chain in one statement: the database function `audit_append`
 * (migration 20261201000000_audit_append_function) takes the append lock until commit, reads the last
 * hash and inserts the entry linked to it, hashing the canonical content computed here. Usable as a
 * `FROM` item inside a larger statement, which then commits the entry with its other writes.
 */
export function auditAppendCall(entry: NewAuditEntry): Prisma.Sql {
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
  // JSON null and SQL NULL read back alike (`changes ?? null`), so no changes is stored as SQL NULL.
  const changes = base.changes === null ? null : JSON.stringify(base.changes);
  return Prisma.sql`audit_append(${base.id}::uuid, ${base.occurredAt}::timestamptz, ${base.actor},
    ${base.actorId}::uuid, ${base.actorRole}, ${base.action}, ${base.targetType}, ${base.targetId},
    ${changes}::jsonb, ${base.outcome}, ${base.ipAddress}, ${base.userAgent}, ${base.requestId},
    ${canonicalJson(content(base))})`;
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Appends an entry inside the caller's transaction, or as a statement of its own: the entry commits
   * with the change it records, or neither does. The append lock is held until commit, so appends take
   * turns and each entry links to the one committed before it.
   */
  async append(entry: NewAuditEntry, tx?: DbTransaction): Promise<AuditEntry> {
    // The columns by name, not `*`: a prepared statement's result type must not change when a later
    // migration adds a column to audit_log.
    const rows = await clientOf(this.prisma, tx).$queryRaw<AppendedRow[]>`
      SELECT seq, id, occurred_at, actor, actor_id, actor_role, action, target_type, target_id, changes,
             outcome, ip_address, user_agent, request_id, prev_hash, hash
        FROM ${auditAppendCall(entry)}`;
    const row = rows[0];
    if (!row) throw new Error('audit_append returned no row');
    return appendedEntry(row);
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
