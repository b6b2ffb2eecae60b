import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  INCIDENT_LIMITS,
  INCIDENT_SEVERITIES,
  ROLLOUT_STATUSES,
  type IncidentSeverity,
  type Rollout,
  type RolloutDecisionRecord,
  type RolloutStatus,
} from '@rampart/db';
import { MAX_STAGE_SEGMENTS, type RolloutPlan } from '@rampart/rollout-guardrails';
import { PageQuery } from '../../common/http/page-query';

const MAX_INT4 = 2_147_483_647;

export class CreateRolloutDto {
  @ApiProperty({ example: 'new-checkout' }) @IsString() @MinLength(1) @MaxLength(128) flagKey!: string;

  @ApiProperty({ example: 'on' }) @IsString() @MinLength(1) @MaxLength(128) targetVariant!: string;

  @ApiPropertyOptional({ description: 'The stages (see docs/rollouts.md); or use template.' })
  @IsOptional()
  @IsObject()
  plan?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['seed'], description: 'allowlist → 1 % → 25 % → 100 %' })
  @IsOptional()
  @IsIn(['seed'])
  template?: 'seed';

  @ApiPropertyOptional({ type: [String], description: 'The seed template’s first stage.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_STAGE_SEGMENTS)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  allowlistSegments?: string[];

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() requireApproval?: boolean;
}

export class RolloutOperationDto {
  @ApiPropertyOptional({
    description: 'The stateVersion your decision is based on (409 rollout_conflict if stale).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  expectedStateVersion?: number;
}

export class IncidentReportDto {
  @ApiProperty({ maxLength: INCIDENT_LIMITS.title })
  @IsString()
  @MinLength(1)
  @MaxLength(INCIDENT_LIMITS.title)
  title!: string;

  @ApiProperty({ enum: INCIDENT_SEVERITIES }) @IsIn(INCIDENT_SEVERITIES) severity!: IncidentSeverity;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(INCIDENT_LIMITS.text) symptoms!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(INCIDENT_LIMITS.text) causeHypothesis!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(INCIDENT_LIMITS.text) nextSteps!: string;
}

export class AbortRolloutDto extends RolloutOperationDto {
  @ApiPropertyOptional({ type: IncidentReportDto, description: 'Required once the rollout has started.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => IncidentReportDto)
  incident?: IncidentReportDto;
}

export class ListRolloutsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ROLLOUT_STATUSES })
  @IsOptional()
  @IsIn(ROLLOUT_STATUSES)
  status?: RolloutStatus;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) flag?: string;
}

export class RolloutDecisionDto {
  @ApiProperty() seq!: number;
  @ApiProperty() decision!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() evidence!: unknown;
  @ApiProperty() actor!: string;
  @ApiProperty({ nullable: true }) flagVersion!: number | null;
  @ApiProperty() createdAt!: string;

  static of(decision: RolloutDecisionRecord): RolloutDecisionDto {
    return {
      seq: decision.seq,
      decision: decision.decision,
      reason: decision.reason,
      evidence: decision.evidence,
      actor: decision.actor,
      flagVersion: decision.flagVersion,
      createdAt: decision.createdAt.toISOString(),
    };
  }
}

export class RolloutDto {
  @ApiProperty() id!: string;
  @ApiProperty() flagKey!: string;
  @ApiProperty() targetVariant!: string;
  @ApiProperty({ enum: ROLLOUT_STATUSES }) status!: RolloutStatus;
  @ApiProperty({ nullable: true }) pauseReason!: string | null;
  @ApiProperty() stateVersion!: number;
  @ApiProperty() plan!: unknown;
  @ApiProperty({ description: '1-based: the stage the rollout is in (the first before it starts).' })
  stage!: number;
  @ApiProperty() stageCount!: number;
  @ApiProperty({ description: 'What the current stage serves the target to (none before it starts).' })
  exposure!: { percentage: number; segments: string[] };
  @ApiProperty() requireApproval!: boolean;
  @ApiProperty({ nullable: true }) lastDecision!: RolloutDecisionDto | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true }) startedAt!: string | null;
  @ApiProperty({ nullable: true }) stageStartedAt!: string | null;
  @ApiProperty({ nullable: true }) endedAt!: string | null;

  static of(rollout: Rollout, lastDecision: RolloutDecisionRecord | null): RolloutDto {
    const plan = rollout.plan as RolloutPlan;
    const stage = plan.stages[rollout.stageIndex];
    const serving = rollout.status === 'running' || rollout.status === 'paused';
    const completed = rollout.status === 'completed';
    return {
      id: rollout.id,
      flagKey: rollout.flagKey,
      targetVariant: rollout.targetVariant,
      status: rollout.status,
      pauseReason: rollout.pauseReason,
      stateVersion: rollout.stateVersion,
      plan: rollout.plan,
      stage: rollout.stageIndex + 1,
      stageCount: plan.stages.length,
      exposure: completed
        ? { percentage: 100, segments: [] }
        : serving && stage
          ? { percentage: stage.percentage, segments: stage.segments }
          : { percentage: 0, segments: [] },
      requireApproval: rollout.requireApproval,
      lastDecision: lastDecision ? RolloutDecisionDto.of(lastDecision) : null,
      createdBy: rollout.createdBy,
      createdAt: rollout.createdAt.toISOString(),
      startedAt: rollout.startedAt?.toISOString() ?? null,
      stageStartedAt: rollout.stageStartedAt?.toISOString() ?? null,
      endedAt: rollout.endedAt?.toISOString() ?? null,
    };
  }
}

export class RolloutPageDto {
  @ApiProperty({ type: [RolloutDto] }) items!: RolloutDto[];
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
  @ApiProperty() total!: number;
}

export class AbortedRolloutDto extends RolloutDto {
  @ApiProperty({ nullable: true, description: 'The incident opened with the rollback.' }) incidentId!:
    string | null;
}
