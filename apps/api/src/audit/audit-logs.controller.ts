import { Readable } from 'node:stream';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { type AuditEntry, AuditLogRepository, type AuditQuery, type AuditVerification } from '@rampart/db';
import { RequirePermission } from '../access/access.decorators';
import { IsBigIntString, IsStorableDate } from '../common/validation/bounded-values';
import { Permission } from '../identity/permissions';

export class AuditLogQuery {
  @ApiPropertyOptional({ description: '`user:<id>` or `system:<component>`' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;

  @ApiPropertyOptional({ example: 'user.role_changed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional({ description: '`<type>:<id>`, e.g. `user:6f1c...`' })
  @IsOptional()
  @Matches(/^[a-z_]{1,64}:[A-Za-z0-9._:-]{1,128}$/, { message: 'target must be <type>:<id>' })
  target?: string;

  @ApiPropertyOptional({ description: 'ISO 8601, inclusive; years 1 to 9999.' })
  @IsOptional()
  @Type(() => Date)
  @IsStorableDate()
  from?: Date;

  @ApiPropertyOptional({ description: 'ISO 8601, exclusive; years 1 to 9999.' })
  @IsOptional()
  @Type(() => Date)
  @IsStorableDate()
  to?: Date;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsBigIntString()
  cursor?: string;

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 100;
}

function filters(query: AuditLogQuery): Omit<AuditQuery, 'limit' | 'afterSeq'> {
  const [targetType, targetId] = query.target
    ? [query.target.slice(0, query.target.indexOf(':')), query.target.slice(query.target.indexOf(':') + 1)]
    : [];
  return {
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(targetType ? { targetType } : {}),
    ...(targetId ? { targetId } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  };
}

@ApiTags('admin')
@Controller({ path: 'admin/audit-logs', version: '1' })
export class AuditLogsController {
  constructor(private readonly repository: AuditLogRepository) {}

  /** Entries oldest first; page on with `cursor=<nextCursor>`. */
  @Get()
  @RequirePermission(Permission.AuditRead)
  @ApiOkResponse({ description: '`{ items, nextCursor }`' })
  async list(@Query() query: AuditLogQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const items = await this.repository.query({
      ...filters(query),
      ...(query.cursor ? { afterSeq: query.cursor } : {}),
      limit: query.limit,
    });
    return {
      items,
      nextCursor: items.length === query.limit ? (items[items.length - 1]?.seq ?? null) : null,
    };
  }

  /** Walks the hash chain and names the first entry that does not match. */
  @Get('verify')
  @RequirePermission(Permission.AuditRead)
  @ApiOkResponse({ description: '`{ valid, checked, firstBroken }`' })
  verify(): Promise<AuditVerification> {
    return this.repository.verify();
  }

  /** Every matching entry as NDJSON, streamed (no page size, no buffering of the whole log). */
  @Get('export')
  @RequirePermission(Permission.AuditRead)
  @Header('content-type', 'application/x-ndjson; charset=utf-8')
  @ApiProduces('application/x-ndjson')
  export(@Query() query: AuditLogQuery): Readable {
    const entries = this.repository.all(filters(query));
    return Readable.from(
      (async function* lines() {
        for await (const entry of entries) yield `${JSON.stringify(entry)}\n`;
      })(),
    );
  }
}
