import { Injectable } from '@nestjs/common';
import { HeartbeatRepository } from '@rampart/db';
import { JobName, QueueName, type HeartbeatResult, type QueueProcessor } from '@rampart/jobs';
import { WorkerInstance } from '../worker-instance';

export const WORKER_COMPONENT = 'worker';

/** Housekeeping jobs. Thin: each handler calls one repository or use case. */
@Injectable()
export class MaintenanceProcessor implements QueueProcessor<typeof QueueName.Maintenance> {
  readonly queue = QueueName.Maintenance;

  constructor(
    private readonly heartbeats: HeartbeatRepository,
    private readonly instance: WorkerInstance,
  ) {}

  readonly handlers = {
    [JobName.Heartbeat]: async (): Promise<HeartbeatResult> => {
      const beat = await this.heartbeats.beat(WORKER_COMPONENT, this.instance.id);
      return { instanceId: beat.instanceId, beatAt: beat.beatAt.toISOString(), beatsTotal: beat.beatsTotal };
    },
  };
}
