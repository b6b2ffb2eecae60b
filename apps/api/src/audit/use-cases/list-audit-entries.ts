import { Injectable } from '@nestjs/common';
import { type AuditEntry, type AuditFilters, AuditLogRepository } from '@rampart/db';

export interface ListAuditEntriesInput {
  filters: AuditFilters;
  /** The `nextCursor` of the previous page; the first page without it. */
  cursor?: string;
  limit: number;
}

export interface AuditEntryPage {
  items: AuditEntry[];
  /** Where the next page starts; null once a page came back short (the last one). */
  nextCursor: string | null;
}

/** One page of matching audit entries, oldest first, paged by sequence number (stable while entries are added). */
@Injectable()
export class ListAuditEntries {
  constructor(private readonly entries: AuditLogRepository) {}

  async execute({ filters, cursor, limit }: ListAuditEntriesInput): Promise<AuditEntryPage> {
    const items = await this.entries.query({ ...filters, ...(cursor ? { afterSeq: cursor } : {}), limit });
    return {
      items,
      nextCursor: items.length === limit ? (items[items.length - 1]?.seq ?? null) : null,
    };
  }
}
