import { Injectable } from '@nestjs/common';
import { type AuditEntry, type AuditFilters, AuditLogRepository } from '@rampart/db';

export interface ExportAuditEntriesInput {
  filters: AuditFilters;
}

/** Every matching audit entry, oldest first, read in batches: the whole log is never held at once. */
@Injectable()
export class ExportAuditEntries {
  constructor(private readonly entries: AuditLogRepository) {}

  execute({ filters }: ExportAuditEntriesInput): AsyncIterable<AuditEntry> {
    return this.entries.all(filters);
  }
}
