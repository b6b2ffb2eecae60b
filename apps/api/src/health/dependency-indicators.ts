import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ApiConfig } from '@rampart/config';
import { DatabaseHealth, HeartbeatRepository } from '@rampart/db';
import { CheckFailed, probe } from '@rampart/http';
import { JobProducer, QueueName, RedisHealth, WORKER_HEARTBEAT_COMPONENT } from '@rampart/jobs';
import { LiveFlagSet } from '../flags/live-flag-set';

/** The checks behind the API's /health/ready, each bounded by HEALTH_CHECK_TIMEOUT_MS. */
@Injectable()
export class DependencyIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly config: ApiConfig,
    private readonly database: DatabaseHealth,
    private readonly redisHealth: RedisHealth,
    private readonly producer: JobProducer,
    private readonly heartbeats: HeartbeatRepository,
    private readonly liveFlags: LiveFlagSet,
  ) {}

  postgresql(): Promise<HealthIndicatorResult> {
    return probe(this.indicators, 'postgresql', this.config.healthCheckTimeoutMs, () => this.database.ping());
  }

  redis(): Promise<HealthIndicatorResult> {
    return probe(this.indicators, 'redis', this.config.healthCheckTimeoutMs, () => this.redisHealth.ping());
  }

  /**
   * The job queue works end to end: its Redis keys answer, and a worker consumed a heartbeat job
   * recently enough (WORKER_HEARTBEAT_MAX_AGE_MS), so work the API enqueues will get done.
   */
  queue(): Promise<HealthIndicatorResult> {
    const maxAgeMs = this.config.health.workerHeartbeatMaxAgeMs;
    return probe(this.indicators, 'queue', this.config.healthCheckTimeoutMs, async () => {
      const [counts, ageMs] = await Promise.all([
        this.producer.queue(QueueName.Maintenance).getJobCounts('waiting', 'active', 'failed'),
        this.heartbeats.ageMs(WORKER_HEARTBEAT_COMPONENT),
      ]);
      const details: Record<string, unknown> = { ...counts };
      if (ageMs === null) throw new CheckFailed('no worker heartbeat recorded yet', details);
      details.workerHeartbeatAgeMs = Math.round(ageMs);
      if (ageMs > maxAgeMs) throw new CheckFailed(`worker heartbeat older than ${maxAgeMs} ms`, details);
      return details;
    });
  }

  /**
   * This process serves the newest flag set, as PostgreSQL confirmed within FLAGS_MAX_STALENESS_MS.
   * Past that (PostgreSQL unreachable from here, say) it still evaluates from memory, but a load
   * balancer should prefer processes that are known to be current.
   */
  flags(): Promise<HealthIndicatorResult> {
    const maxStalenessMs = this.config.flags.maxStalenessMs;
    return probe(this.indicators, 'flags', this.config.healthCheckTimeoutMs, () => {
      const stalenessMs = this.liveFlags.stalenessMs();
      const details = {
        version: this.liveFlags.current().version,
        confirmedMsAgo: Number.isFinite(stalenessMs) ? stalenessMs : null,
      };
      if (stalenessMs > maxStalenessMs) {
        throw new CheckFailed(`flag set not confirmed current for over ${maxStalenessMs} ms`, details);
      }
      return Promise.resolve(details);
    });
  }
}
