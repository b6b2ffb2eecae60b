import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { readiness } from '@rampart/http';
import { ReadinessMetrics } from '@rampart/observability';
import { DependencyIndicators } from './dependency-indicators';
import { Public } from '../access/access.decorators';

@ApiTags('health')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly dependencies: DependencyIndicators,
    private readonly readinessMetrics: ReadinessMetrics,
  ) {}

  /** The process is up and its event loop turns. Touches no dependency, so it never flaps with them. */
  @Get('live')
  @Public()
  @ApiOkResponse({ description: 'The process is alive.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready for traffic: PostgreSQL, Redis and the job queue (with a live worker) answer, and the flags are current. */
  @Get('ready')
  @Public()
  @ApiOkResponse({ description: 'Every dependency answers.' })
  @ApiServiceUnavailableResponse({ description: 'problem+json `not_ready`, naming the failing checks.' })
  ready(): Promise<HealthCheckResult> {
    return readiness(
      this.health,
      [
        () => this.dependencies.postgresql(),
        () => this.dependencies.redis(),
        () => this.dependencies.queue(),
        () => this.dependencies.flags(),
      ],
      this.readinessMetrics,
    );
  }
}
