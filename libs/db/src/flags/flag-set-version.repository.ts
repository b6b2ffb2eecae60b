import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type {
  FlagSetChangeKind,
  FlagSetContent,
  FlagSetDiffEntry,
  FlagSetVersion,
  FlagSetVersionSummary,
  NewFlagSetVersion,
} from './flag-set-version';

interface VersionRow {
  version: number;
  kind: FlagSetChangeKind;
  restoredFrom: number | null;
  actor: string;
  actorId: string | null;
  reason: string;
  changes: Prisma.JsonValue;
  createdAt: Date;
}

const SUMMARY_FIELDS = {
  version: true,
  kind: true,
  restoredFrom: true,
  actor: true,
  actorId: true,
  reason: true,
  changes: true,
  createdAt: true,
} as const;

function summaryOf(row: VersionRow): FlagSetVersionSummary {
  return { ...row, changes: row.changes as unknown as FlagSetDiffEntry[] };
}

/** The key a diff entry is filed under for the history filter: `flag:<key>` or `segment:<key>`. */
export function changedKeyOf(entry: Pick<FlagSetDiffEntry, 'type' | 'key'>): string {
  return `${entry.type}:${entry.key}`;
}

/**
 * The flag set's versions: append-only, numbered without gaps. The content is stored whole per
 * version (bounded by the flag-set limits), so reading a version or rolling back to it is one row.
 */
@Injectable()
export class FlagSetVersionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The newest version with its content, or null while no flag was ever written. */
  async latest(tx?: DbTransaction): Promise<FlagSetVersion | null> {
    const row = await clientOf(this.prisma, tx).flagSetVersion.findFirst({ orderBy: { version: 'desc' } });
    return row ? { ...summaryOf(row), content: row.content as unknown as FlagSetContent } : null;
  }

  /** The newest version number (0 before the first write): the cheap check processes poll. */
  async latestNumber(tx?: DbTransaction): Promise<number> {
    const result = await clientOf(this.prisma, tx).flagSetVersion.aggregate({ _max: { version: true } });
    return result._max.version ?? 0;
  }

  async find(version: number, tx?: DbTransaction): Promise<FlagSetVersion | null> {
    const row = await clientOf(this.prisma, tx).flagSetVersion.findUnique({ where: { version } });
    return row ? { ...summaryOf(row), content: row.content as unknown as FlagSetContent } : null;
  }

  /**
   * Writes the version if its number is still free. False when another writer took it first: the
   * insert does nothing (ON CONFLICT DO NOTHING) rather than fail, so the caller's transaction stays
   * usable and can roll back cleanly.
   */
  async insert(version: NewFlagSetVersion, tx: DbTransaction): Promise<boolean> {
    const { count } = await clientOf(this.prisma, tx).flagSetVersion.createMany({
      data: {
        version: version.version,
        content: version.content as unknown as Prisma.InputJsonValue,
        kind: version.kind,
        restoredFrom: version.restoredFrom,
        actor: version.actor,
        actorId: version.actorId,
        reason: version.reason,
        changes: version.changes as unknown as Prisma.InputJsonValue,
        changedKeys: version.changes.map(changedKeyOf),
      },
      skipDuplicates: true,
    });
    return count === 1;
  }

  /** `flag:<key>` / `segment:<key>` of everything changed after `version`, each once. */
  async changedSince(version: number, tx?: DbTransaction): Promise<string[]> {
    const rows = await clientOf(this.prisma, tx).flagSetVersion.findMany({
      where: { version: { gt: version } },
      select: { changedKeys: true },
    });
    return [...new Set(rows.flatMap((row) => row.changedKeys))].sort();
  }

  /** Versions newest first, optionally only those that changed `changedKey`, older than `before`. */
  async history(query: {
    changedKey?: string;
    before?: number;
    limit: number;
  }): Promise<FlagSetVersionSummary[]> {
    const rows = await this.prisma.flagSetVersion.findMany({
      where: {
        ...(query.changedKey ? { changedKeys: { has: query.changedKey } } : {}),
        ...(query.before !== undefined ? { version: { lt: query.before } } : {}),
      },
      orderBy: { version: 'desc' },
      take: query.limit,
      select: SUMMARY_FIELDS,
    });
    return rows.map(summaryOf);
  }
}
