import { Controller, Get } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { WorkerConfig } from '@rampart/config';
import { DatabaseHealth } from '@rampart/db';
import { CheckFailed, probe, readiness } from '@rampart/http';
import { RedisHealth } from '@rampart/jobs';
import { ReadinessMetrics } from '@rampart/observability';
import { QueueConsumers } from '../queues/queue-consumers';

/**
 * The worker's own probes, on WORKER_PORT. Ready: PostgreSQL and Redis answer and every consumer runs;
 * each run sets readiness_check_up.
 */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly config: WorkerConfig,
    private readonly database: DatabaseHealth,
    private readonly redis: RedisHealth,
    private readonly consumers: QueueConsumers,
    private readonly readinessMetrics: ReadinessMetrics,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): Promise<HealthCheckResult> {
    const timeout = this.config.healthCheckTimeoutMs;
    return readiness(
      this.health,
      [
        () => probe(this.indicators, 'postgresql', timeout, () => this.database.ping()),
        () => probe(this.indicators, 'redis', timeout, () => this.redis.ping()),
        () =>
          probe(this.indicators, 'consumers', timeout, () => {
            if (!this.consumers.isRunning())
              return Promise.reject(new CheckFailed('queue consumers are not running', {}));
            return Promise.resolve();
          }),
      ],
      this.readinessMetrics,
    );
  }
}
