import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const MAX_VERSION = 999_999_999;

/** What every change to the flag set carries besides the change itself. */
export class FlagChangeDto {
  @ApiProperty({ description: 'Why; kept with the version and in the audit log.', maxLength: 500 })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({
    description: 'The flag-set version this change is based on, when it is not sent as If-Match.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  expectedVersion?: number;
}

export class CreateFlagDto extends FlagChangeDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The flag (see docs/flags.md).' })
  @IsObject()
  flag!: Record<string, unknown>;
}

export class CreateSegmentDto extends FlagChangeDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The segment: key, name, conditions.',
  })
  @IsObject()
  segment!: Record<string, unknown>;
}

export class ChangeFieldsDto extends FlagChangeDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The fields to replace.' })
  @IsObject()
  changes!: Record<string, unknown>;
}

export class SetFlagEnabledDto extends FlagChangeDto {
  @ApiProperty({ description: 'On, or off (every evaluation serves the offVariant).' })
  @IsBoolean()
  enabled!: boolean;
}

export class UpdateFlagsDto extends FlagChangeDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Flag key → `true` / `false` (on or off) or the fields to replace.',
    example: { 'new-checkout': true, 'dark-mode': true, 'beta-search': { defaultVariant: 'on' } },
  })
  @IsObject()
  updates!: Record<string, unknown>;
}

export class RollbackFlagsDto extends FlagChangeDto {
  @ApiPropertyOptional({
    description:
      'Restore this version’s whole content. Without it (and without allOff), the previous version.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  toVersion?: number;

  @ApiPropertyOptional({ description: 'Turn every flag off instead (the emergency procedure).' })
  @IsOptional()
  @IsBoolean()
  allOff?: boolean;
}

export class FlagHistoryQuery {
  @ApiPropertyOptional({ description: 'Only versions that changed this flag.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[a-z0-9][a-z0-9._-]*$/)
  flag?: string;

  @ApiPropertyOptional({ description: 'Only versions that changed this segment.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[a-z0-9][a-z0-9._-]*$/)
  segment?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  cursor?: number;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;
}

export class FlagListQuery {
  @ApiPropertyOptional({
    description:
      'Only flags to clean up: past their kind’s expected lifetime, or not evaluated for unusedDays.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  stale?: boolean;

  @ApiPropertyOptional({ default: 30, minimum: 1, maximum: 3650 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  unusedDays = 30;
}
