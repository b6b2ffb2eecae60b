import { Injectable } from '@nestjs/common';
import type { Prisma, IncidentNote as EntryRow } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type {
  Incident,
  IncidentChanges,
  IncidentEntry,
  IncidentListQuery,
  NewIncident,
  NewIncidentEntry,
} from './incident';

function toEntry(row: EntryRow): IncidentEntry {
  return {
    id: row.id,
    incidentId: row.incidentId,
    kind: row.kind,
    author: row.author,
    body: row.body,
    before: row.before ?? null,
    after: row.after ?? null,
    createdAt: row.createdAt,
  };
}

function json(value: unknown): Prisma.InputJsonValue | undefined {
  return value === undefined || value === null ? undefined : value;
}

/** Incidents and their timelines; the checks that an incident's links point at what exists. */
@Injectable()
export class IncidentRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(incident: NewIncident, tx?: DbTransaction): Promise<Incident> {
    return clientOf(this.prisma, tx).incident.create({ data: incident });
  }

  find(id: string, tx?: DbTransaction): Promise<Incident | null> {
    return clientOf(this.prisma, tx).incident.findUnique({ where: { id } });
  }

  /** One page, newest first, with the total that match. */
  async list(query: IncidentListQuery): Promise<{ items: Incident[]; total: number }> {
    const where = {
      ...(query.status ? { status: query.status } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
    };
    const [items, total] = await this.prisma.$transaction([
      this.prisma.incident.findMany({
        where,
        orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      }),
      this.prisma.incident.count({ where }),
    ]);
    return { items, total };
  }

  /**
   * Writes `changes` and the next version only if the incident is still at `expectedVersion`; null
   * when it is not (or is gone). Of several writers based on one version, exactly one matches: the
   * others wait on its row lock, then find the version moved on.
   */
  async updateIfVersion(
    id: string,
    expectedVersion: number,
    changes: IncidentChanges,
    tx?: DbTransaction,
  ): Promise<Incident | null> {
    const client = clientOf(this.prisma, tx);
    const { count } = await client.incident.updateMany({
      where: { id, version: expectedVersion },
      data: { ...changes, updatedAt: new Date(), version: { increment: 1 } },
    });
    return count ? client.incident.findUnique({ where: { id } }) : null;
  }

  async addEntry(entry: NewIncidentEntry, tx?: DbTransaction): Promise<IncidentEntry> {
    const row = await clientOf(this.prisma, tx).incidentNote.create({
      data: {
        incidentId: entry.incidentId,
        kind: entry.kind,
        author: entry.author,
        body: entry.body ?? '',
        before: json(entry.before),
        after: json(entry.after),
      },
    });
    return toEntry(row);
  }

  /** The timeline, oldest first, in the order it was written. */
  async timeline(incidentId: string, tx?: DbTransaction): Promise<IncidentEntry[]> {
    const rows = await clientOf(this.prisma, tx).incidentNote.findMany({
      where: { incidentId },
      orderBy: { seq: 'asc' },
    });
    return rows.map(toEntry);
  }

  /** Those of `versions` that no flag-set version has. */
  async missingFlagVersions(versions: number[], tx?: DbTransaction): Promise<number[]> {
    if (!versions.length) return [];
    const found = await clientOf(this.prisma, tx).flagSetVersion.findMany({
      where: { version: { in: versions } },
      select: { version: true },
    });
    const known = new Set(found.map((row) => row.version));
    return versions.filter((version) => !known.has(version));
  }

  /** Whether a rollout with this id exists. */
  async rolloutExists(id: string, tx?: DbTransaction): Promise<boolean> {
    return (await clientOf(this.prisma, tx).rollout.count({ where: { id } })) > 0;
  }

  /** Those of `ids` that no audit entry has. */
  async missingAuditEntries(ids: string[], tx?: DbTransaction): Promise<string[]> {
    if (!ids.length) return [];
    const found = await clientOf(this.prisma, tx).auditLog.findMany({
      where: { id: { in: ids } },
      select: { id: true },
    });
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }
}
