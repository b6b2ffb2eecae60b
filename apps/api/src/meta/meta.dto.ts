import { ApiProperty } from '@nestjs/swagger';

export class HealthzDto {
  @ApiProperty({ example: 'ok' }) status!: 'ok';
  @ApiProperty({ example: 'production' }) env!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) time!: string;
}

export class VersionDto {
  @ApiProperty({ example: 'f42638c' }) commit!: string;
  @ApiProperty({ example: 'phase1_20250924_154500' }) build_id!: string;
  @ApiProperty({ example: 'v1.0' }) ruleset_version!: string;
}
