import { Injectable } from '@nestjs/common';
import { HeartbeatRepository } from '@rampart/db';
import {
  JobName,
  QueueName,
  type HeartbeatResult,
  type PurgePayload,
  type QueueProcessor,
  WORKER_HEARTBEAT_COMPONENT,
} from '@rampart/jobs';
import { EvaluateRollouts } from '../rollouts/evaluate-rollouts';
import { WorkerInstance } from '../worker-instance';
import { MaintenanceMetrics } from './maintenance.metrics';
import { PurgeExpired } from './purge-expired';
import { SweepOutbox } from './sweep-outbox';

/** Housekeeping jobs. Thin: each handler calls one repository or use case. */
@Injectable()
export class MaintenanceProcessor implements QueueProcessor<typeof QueueName.Maintenance> {
  readonly queue = QueueName.Maintenance;

  constructor(
    private readonly heartbeats: HeartbeatRepository,
    private readonly instance: WorkerInstance,
    private readonly sweepOutbox: SweepOutbox,
    private readonly purgeExpired: PurgeExpired,
    private readonly metrics: MaintenanceMetrics,
    private readonly evaluateRollouts: EvaluateRollouts,
  ) {}

  readonly handlers = {
    [JobName.Heartbeat]: async (): Promise<HeartbeatResult> => {
      const beat = await this.heartbeats.beat(WORKER_HEARTBEAT_COMPONENT, this.instance.id);
      this.metrics.recordHeartbeat(beat.beatAt);
      return { instanceId: beat.instanceId, beatAt: beat.beatAt.toISOString(), beatsTotal: beat.beatsTotal };
    },
    [JobName.OutboxSweep]: () => this.sweepOutbox.run(),
    [JobName.Purge]: ({ target }: PurgePayload) => this.purgeExpired.run(target),
    [JobName.RolloutsEvaluate]: () => this.evaluateRollouts.run(),
  };
}
