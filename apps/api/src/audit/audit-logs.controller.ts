import { Readable } from 'node:stream';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AuditVerification } from '@rampart/db';
import { RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { AuditLogQuery, auditFiltersOf } from './dto/audit-log-query.dto';
import { ExportAuditEntries } from './use-cases/export-audit-entries';
import { type AuditEntryPage, ListAuditEntries } from './use-cases/list-audit-entries';
import { VerifyAuditChain } from './use-cases/verify-audit-chain';

@ApiTags('admin')
@Controller({ path: 'admin/audit-logs', version: '1' })
export class AuditLogsController {
  constructor(
    private readonly listAuditEntries: ListAuditEntries,
    private readonly verifyAuditChain: VerifyAuditChain,
    private readonly exportAuditEntries: ExportAuditEntries,
  ) {}

  /** Entries oldest first; page on with `cursor=<nextCursor>`. */
  @Get()
  @RequirePermission(Permission.AuditRead)
  @ApiOkResponse({ description: '`{ items, nextCursor }`' })
  list(@Query() query: AuditLogQuery): Promise<AuditEntryPage> {
    return this.listAuditEntries.execute({
      filters: auditFiltersOf(query),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
  }

  /** Walks the hash chain and names the first entry that does not match. */
  @Get('verify')
  @RequirePermission(Permission.AuditRead)
  @ApiOkResponse({ description: '`{ valid, checked, firstBroken }`' })
  verify(): Promise<AuditVerification> {
    return this.verifyAuditChain.execute();
  }

  /** Every matching entry as NDJSON, streamed (no page size, no buffering of the whole log). */
  @Get('export')
  @RequirePermission(Permission.AuditRead)
  @Header('content-type', 'application/x-ndjson; charset=utf-8')
  @ApiProduces('application/x-ndjson')
  export(@Query() query: AuditLogQuery): Readable {
    const entries = this.exportAuditEntries.execute({ filters: auditFiltersOf(query) });
    return Readable.from(
      (async function* lines() {
        for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
      })(),
    );
  }
}
