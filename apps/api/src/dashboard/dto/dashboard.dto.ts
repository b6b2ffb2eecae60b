import { ApiProperty } from '@nestjs/swagger';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, ROLLOUT_STATUSES } from '@rampart/db';

export class ReleaseBannerDto {
  @ApiProperty({
    example: 'Rampart v0.1.0 • build 42 • Commit: f42638c • Date: 2026-11-30 UTC • Admin-Only Mode',
  })
  text!: string;
  @ApiProperty({ example: 'Rampart' }) name!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: '42' }) build!: string;
  @ApiProperty({ example: 'f42638c' }) commit!: string;
  @ApiProperty({ example: '2026-11-30', description: '`unknown` when RELEASE_DATE is not set.' })
  date!: string;
  @ApiProperty({ example: 'Admin-Only Mode' }) mode!: string;
}

export class FlagSetChangeDto {
  @ApiProperty() at!: string;
  @ApiProperty({ example: 'user:6f1c…', description: '`user:<id>` or `system:<component>`.' }) actor!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ enum: ['change', 'rollback'] }) kind!: string;
}

export class DashboardFlagsDto {
  @ApiProperty({ description: 'The newest committed flag-set version (0 before the first).' })
  version!: number;
  @ApiProperty({ type: FlagSetChangeDto, nullable: true }) lastChange!: FlagSetChangeDto | null;
}

export class DashboardGuardrailDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'error_rate' }) kind!: string;
  @ApiProperty({
    example: 'healthy',
    description: 'healthy, breaching, insufficient; pending before the first evaluation of the stage.',
  })
  status!: string;
  @ApiProperty({ nullable: true, description: 'In `unit`.' }) value!: number | null;
  @ApiProperty({ nullable: true }) threshold!: number | null;
  @ApiProperty({ nullable: true, example: 'fraction' }) unit!: string | null;
  @ApiProperty({ nullable: true }) samples!: number | null;
  @ApiProperty({ nullable: true }) breachingSince!: string | null;
}

export class DashboardDecisionDto {
  @ApiProperty({ example: 'advanced' }) decision!: string;
  @ApiProperty({ example: 'system:rollouts' }) actor!: string;
  @ApiProperty() at!: string;
  @ApiProperty() reason!: string;
}

export class DashboardRolloutDto {
  @ApiProperty() id!: string;
  @ApiProperty() flagKey!: string;
  @ApiProperty() targetVariant!: string;
  @ApiProperty({ enum: ROLLOUT_STATUSES }) status!: string;
  @ApiProperty({ nullable: true }) pauseReason!: string | null;
  @ApiProperty({ description: '1-based.' }) stage!: number;
  @ApiProperty() stageCount!: number;
  @ApiProperty() exposure!: { percentage: number; segments: string[] };
  @ApiProperty({ nullable: true }) stageStartedAt!: string | null;
  @ApiProperty({ nullable: true, description: 'Counting the extensions granted so far.' }) holdEndsAt!:
    string | null;
  @ApiProperty({
    nullable: true,
    description: 'When the guardrail figures were computed; null before the first.',
  })
  evaluatedAt!: string | null;
  @ApiProperty({ type: [DashboardGuardrailDto] }) guardrails!: DashboardGuardrailDto[];
  @ApiProperty({ type: DashboardDecisionDto, nullable: true }) lastDecision!: DashboardDecisionDto | null;
}

export class DashboardIncidentDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: INCIDENT_SEVERITIES }) severity!: string;
  @ApiProperty({ enum: INCIDENT_STATUSES }) status!: string;
  @ApiProperty() openedAt!: string;
  @ApiProperty({ nullable: true }) rolloutId!: string | null;
  @ApiProperty({ nullable: true, example: '/v1/admin/rollouts/6f1c…' }) rollout!: string | null;
}

export class DashboardQueueDto {
  @ApiProperty() name!: string;
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ nullable: true }) oldestWaitingAgeMs!: number | null;
}

export class DashboardQueuesDto {
  @ApiProperty({ description: 'false when Redis did not answer within 750 ms: the queues are then empty.' })
  available!: boolean;
  @ApiProperty({ type: [DashboardQueueDto] }) queues!: DashboardQueueDto[];
}

export class DashboardApiDto {
  @ApiProperty({ description: 'false when Redis did not answer in time: the figures are then null.' })
  available!: boolean;
  @ApiProperty({ example: 600_000 }) windowMs!: number;
  @ApiProperty({ nullable: true }) requests!: number | null;
  @ApiProperty({ nullable: true, description: 'Answers with a 5xx status.' }) errors!: number | null;
  @ApiProperty({ nullable: true, description: 'errors / requests, across every API process.' })
  errorRate!: number | null;
  @ApiProperty({ nullable: true }) p95Ms!: number | null;
}

export class DashboardDto {
  @ApiProperty({ type: ReleaseBannerDto }) banner!: ReleaseBannerDto;
  @ApiProperty({ type: DashboardFlagsDto }) flags!: DashboardFlagsDto;
  @ApiProperty({ type: [DashboardRolloutDto], description: 'Running, then paused; newest first.' })
  rollouts!: DashboardRolloutDto[];
  @ApiProperty({ type: [DashboardIncidentDto], description: 'Open, then mitigated; newest first.' })
  incidents!: DashboardIncidentDto[];
  @ApiProperty({ type: DashboardQueuesDto }) queues!: DashboardQueuesDto;
  @ApiProperty({ type: DashboardApiDto }) api!: DashboardApiDto;
  @ApiProperty() generatedAt!: string;
}
