import { Injectable, Logger } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import type { Incident, RolloutStatus } from '@rampart/db';
import { withTimeout } from '@rampart/http';
import { QUEUE_READ_BUDGET_MS, QueueHealthReader } from '@rampart/jobs';
import { ListFlagHistory } from '../../flags/use-cases/list-flag-history';
import { ListIncidents } from '../../incidents/use-cases/list-incidents';
import { RolloutDto } from '../../rollouts/dto/rollout.dto';
import { ListRolloutDecisions } from '../../rollouts/use-cases/list-rollout-decisions';
import { ListRollouts } from '../../rollouts/use-cases/list-rollouts';
import { API_TRAFFIC_WINDOW_MS, ApiTraffic } from '../api-traffic';
import type {
  DashboardApiDto,
  DashboardDto,
  DashboardFlagsDto,
  DashboardIncidentDto,
  DashboardQueuesDto,
  DashboardRolloutDto,
} from '../dto/dashboard.dto';
import { type ReleaseBanner, releaseBanner } from '../release-banner';
import { currentStageEvaluation, guardrailRows, holdEndsAt } from '../rollout-guardrail-rows';

/** More than any deployment runs at once; the dashboard is a glance, not a listing. */
const MAX_ROWS = 100;
const ACTIVE_ROLLOUTS: RolloutStatus[] = ['running', 'paused'];
const OPEN_INCIDENTS = ['open', 'mitigated'] as const;

/**
 * Everything the Phase-1 dashboard shows, in one answer: the release, the flag set, active rollouts
 * with their guardrails, open incidents, queue health and the API's own error rate and p95. The
 * PostgreSQL parts go through the admin endpoints' own use cases. The Redis parts are bounded by
 * QUEUE_READ_BUDGET_MS and answer `available: false` rather than fail or hold the page.
 */
@Injectable()
export class GetDashboard {
  private readonly logger = new Logger(GetDashboard.name);
  private readonly banner: ReleaseBanner;

  constructor(
    config: ApiConfig,
    private readonly flagHistory: ListFlagHistory,
    private readonly rollouts: ListRollouts,
    private readonly rolloutDecisions: ListRolloutDecisions,
    private readonly incidentList: ListIncidents,
    private readonly queueHealth: QueueHealthReader,
    private readonly traffic: ApiTraffic,
  ) {
    this.banner = releaseBanner(config);
  }

  async execute(now: Date = new Date()): Promise<DashboardDto> {
    const [flags, rollouts, incidents, queues, api] = await Promise.all([
      this.flags(),
      this.activeRollouts(),
      this.openIncidents(),
      this.queues(),
      this.api(now.getTime()),
    ]);
    return { banner: this.banner, flags, rollouts, incidents, queues, api, generatedAt: now.toISOString() };
  }

  private async flags(): Promise<DashboardFlagsDto> {
    const [latest] = (await this.flagHistory.execute({ limit: 1 })).items;
    return {
      version: latest?.version ?? 0,
      lastChange: latest
        ? {
            at: latest.createdAt.toISOString(),
            actor: latest.actor,
            reason: latest.reason,
            kind: latest.kind,
          }
        : null,
    };
  }

  private async activeRollouts(): Promise<DashboardRolloutDto[]> {
    const pages = await Promise.all(
      ACTIVE_ROLLOUTS.map((status) => this.rollouts.execute({ status, page: 1, pageSize: MAX_ROWS })),
    );
    return Promise.all(
      pages
        .flatMap((page) => page.items)
        .map(async ({ rollout, lastDecision }) => {
          const shown = RolloutDto.of(rollout, lastDecision);
          const decisions = await this.rolloutDecisions.execute({ rolloutId: rollout.id });
          const evaluation = currentStageEvaluation(rollout, decisions);
          return {
            id: shown.id,
            flagKey: shown.flagKey,
            targetVariant: shown.targetVariant,
            status: shown.status,
            pauseReason: shown.pauseReason,
            stage: shown.stage,
            stageCount: shown.stageCount,
            exposure: shown.exposure,
            stageStartedAt: shown.stageStartedAt,
            holdEndsAt: holdEndsAt(rollout)?.toISOString() ?? null,
            evaluatedAt: evaluation?.at.toISOString() ?? null,
            guardrails: guardrailRows(rollout, evaluation),
            lastDecision: shown.lastDecision && {
              decision: shown.lastDecision.decision,
              actor: shown.lastDecision.actor,
              at: shown.lastDecision.createdAt,
              reason: shown.lastDecision.reason,
            },
          };
        }),
    );
  }

  private async openIncidents(): Promise<DashboardIncidentDto[]> {
    const pages = await Promise.all(
      OPEN_INCIDENTS.map((status) => this.incidentList.execute({ status, page: 1, pageSize: MAX_ROWS })),
    );
    return pages
      .flatMap((page) => page.items)
      .map((incident: Incident) => ({
        id: incident.id,
        title: incident.title,
        severity: incident.severity,
        status: incident.status,
        openedAt: incident.openedAt.toISOString(),
        rolloutId: incident.rolloutId,
        rollout: incident.rolloutId ? `/v1/admin/rollouts/${incident.rolloutId}` : null,
      }));
  }

  private async queues(): Promise<DashboardQueuesDto> {
    try {
      const queues = await withTimeout(this.queueHealth.read(), QUEUE_READ_BUDGET_MS, 'Redis (queue health)');
      return {
        available: true,
        queues: queues.map(({ queue, ...counts }) => ({ name: queue, ...counts })),
      };
    } catch (error) {
      this.logger.warn({ err: error }, 'dashboard answered without queue health');
      return { available: false, queues: [] };
    }
  }

  private async api(now: number): Promise<DashboardApiDto> {
    try {
      const window = await withTimeout(this.traffic.window(now), QUEUE_READ_BUDGET_MS, 'Redis (API traffic)');
      return { available: true, ...window };
    } catch (error) {
      this.logger.warn({ err: error }, 'dashboard answered without API traffic');
      return {
        available: false,
        windowMs: API_TRAFFIC_WINDOW_MS,
        requests: null,
        errors: null,
        errorRate: null,
        p95Ms: null,
      };
    }
  }
}
