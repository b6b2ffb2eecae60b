import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { AuditFilters } from '@rampart/db';
import { IsBigIntString, IsStorableDate } from '../../common/validation/bounded-values';

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

/** The query's filters, with `target` split into its type and id at the first colon. */
export function auditFiltersOf(query: AuditLogQuery): AuditFilters {
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
