import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import {
  INCIDENT_LIMITS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
  type Incident,
  type IncidentEntry,
  type IncidentEntryKind,
  type IncidentFields,
  type IncidentSeverity,
  type IncidentStatus,
} from '@rampart/db';
import { PageQuery } from '../../common/http/page-query';

/** The most flag versions or audit entries one incident links to. */
const MAX_LINKS = 100;
const MAX_INT4 = 2_147_483_647;

/**
 * Optional, but not nullable: absent means "not given", while null is refused like any other value
 * of the wrong type (IsOptional would let null through to a non-null column).
 */
const IfPresent = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

const SEVERITY_DOC =
  'sev1 the worst (an outage, data at risk), sev2 major, sev3 minor, sev4 cosmetic or a near miss.';

/** The describing fields, shared by opening (where title and severity are required) and editing. */
class IncidentLinksDto {
  @ApiPropertyOptional({ maxLength: INCIDENT_LIMITS.text })
  @IfPresent()
  @IsString()
  @MaxLength(INCIDENT_LIMITS.text)
  symptoms?: string;

  @ApiPropertyOptional({ maxLength: INCIDENT_LIMITS.text })
  @IfPresent()
  @IsString()
  @MaxLength(INCIDENT_LIMITS.text)
  causeHypothesis?: string;

  @ApiPropertyOptional({ maxLength: INCIDENT_LIMITS.text })
  @IfPresent()
  @IsString()
  @MaxLength(INCIDENT_LIMITS.text)
  nextSteps?: string;

  @ApiPropertyOptional({
    nullable: true,
    format: 'uuid',
    description: 'The rollout it concerns; null to unlink.',
  })
  @IsOptional()
  @IsUUID('all')
  rolloutId?: string | null;

  @ApiPropertyOptional({
    type: [Number],
    maxItems: MAX_LINKS,
    description: 'Flag-set versions it concerns; each must exist (400 `validation_failed` otherwise).',
  })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT4, { each: true })
  flagVersions?: number[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_LINKS,
    description: 'Ids of audit entries it concerns; each must exist (400 `validation_failed` otherwise).',
  })
  @IfPresent()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @IsUUID('all', { each: true })
  auditEntryIds?: string[];
}

export class OpenIncidentDto extends IncidentLinksDto {
  @ApiProperty({
    minLength: 1,
    maxLength: INCIDENT_LIMITS.title,
    example: 'Checkout errors after 20% rollout',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(INCIDENT_LIMITS.title)
  title!: string;

  @ApiProperty({ enum: INCIDENT_SEVERITIES, description: SEVERITY_DOC })
  @IsIn(INCIDENT_SEVERITIES)
  severity!: IncidentSeverity;
}

export class UpdateIncidentDto extends IncidentLinksDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: INCIDENT_LIMITS.title })
  @IfPresent()
  @IsString()
  @MinLength(1)
  @MaxLength(INCIDENT_LIMITS.title)
  title?: string;

  @ApiPropertyOptional({ enum: INCIDENT_SEVERITIES, description: SEVERITY_DOC })
  @IfPresent()
  @IsIn(INCIDENT_SEVERITIES)
  severity?: IncidentSeverity;

  @ApiPropertyOptional({
    enum: INCIDENT_STATUSES,
    description:
      'Only forward: open → mitigated → resolved (or open → resolved); 409 `invalid_transition` otherwise.',
  })
  @IfPresent()
  @IsIn(INCIDENT_STATUSES)
  status?: IncidentStatus;

  @ApiPropertyOptional({ description: 'The version your change is based on (or send If-Match).' })
  @IfPresent()
  @IsInt()
  @Min(1)
  @Max(999_999_999)
  expectedVersion?: number;

  /** The describing fields the body sets; absent ones are left as they are. */
  fields(): Partial<IncidentFields> {
    const names = [
      'title',
      'severity',
      'symptoms',
      'causeHypothesis',
      'nextSteps',
      'rolloutId',
      'flagVersions',
      'auditEntryIds',
    ] as const;
    return Object.fromEntries(
      names.filter((name) => this[name] !== undefined).map((name) => [name, this[name]]),
    );
  }
}

export class AddIncidentNoteDto {
  @ApiProperty({ minLength: 1, maxLength: INCIDENT_LIMITS.note })
  @IsString()
  @MinLength(1)
  @MaxLength(INCIDENT_LIMITS.note)
  body!: string;
}

export class ListIncidentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: INCIDENT_STATUSES })
  @IsOptional()
  @IsIn(INCIDENT_STATUSES)
  status?: IncidentStatus;

  @ApiPropertyOptional({ enum: INCIDENT_SEVERITIES })
  @IsOptional()
  @IsIn(INCIDENT_SEVERITIES)
  severity?: IncidentSeverity;
}

export class IncidentDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: INCIDENT_SEVERITIES }) severity!: IncidentSeverity;
  @ApiProperty({ enum: INCIDENT_STATUSES }) status!: IncidentStatus;
  @ApiProperty() symptoms!: string;
  @ApiProperty() causeHypothesis!: string;
  @ApiProperty() nextSteps!: string;
  @ApiProperty({ nullable: true }) rolloutId!: string | null;
  @ApiProperty({ type: [Number] }) flagVersions!: number[];
  @ApiProperty({ type: [String] }) auditEntryIds!: string[];
  @ApiProperty({ description: '`user:<id>` or `system:<component>`.' }) openedBy!: string;
  @ApiProperty() openedAt!: string;
  @ApiProperty({ nullable: true }) mitigatedAt!: string | null;
  @ApiProperty({ nullable: true }) resolvedAt!: string | null;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ description: 'Also the ETag; name it in If-Match to edit.' }) version!: number;

  static of(incident: Incident): IncidentDto {
    return {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      symptoms: incident.symptoms,
      causeHypothesis: incident.causeHypothesis,
      nextSteps: incident.nextSteps,
      rolloutId: incident.rolloutId,
      flagVersions: incident.flagVersions,
      auditEntryIds: incident.auditEntryIds,
      openedBy: incident.openedBy,
      openedAt: incident.openedAt.toISOString(),
      mitigatedAt: incident.mitigatedAt?.toISOString() ?? null,
      resolvedAt: incident.resolvedAt?.toISOString() ?? null,
      updatedAt: incident.updatedAt.toISOString(),
      version: incident.version,
    };
  }
}

export class IncidentEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['note', 'status_change', 'field_change'] }) kind!: IncidentEntryKind;
  @ApiProperty() author!: string;
  @ApiProperty({ description: 'The note; empty for a change.' }) body!: string;
  @ApiProperty({ nullable: true, description: 'For a change: the fields before it.' }) before!: unknown;
  @ApiProperty({ nullable: true, description: 'For a change: the fields after it.' }) after!: unknown;
  @ApiProperty() createdAt!: string;

  static of(entry: IncidentEntry): IncidentEntryDto {
    return {
      id: entry.id,
      kind: entry.kind,
      author: entry.author,
      body: entry.body,
      before: entry.before,
      after: entry.after,
      createdAt: entry.createdAt.toISOString(),
    };
  }
}

export class IncidentWithTimelineDto extends IncidentDto {
  @ApiProperty({ type: [IncidentEntryDto], description: 'Oldest first.' }) timeline!: IncidentEntryDto[];
}

export class IncidentPageDto {
  @ApiProperty({ type: [IncidentDto] }) items!: IncidentDto[];
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
  @ApiProperty() total!: number;
}
