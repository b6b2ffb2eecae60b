import { Injectable } from '@nestjs/common';
import { Metrics } from '@rampart/observability';

/**
 * `worker_heartbeat_timestamp_seconds`: when this worker last recorded its heartbeat (unix seconds).
 * Absent until the first beat; `time() - it` is how long the worker has gone without consuming one.
 */
@Injectable()
export class MaintenanceMetrics {
  private readonly heartbeat;

  constructor(metrics: Metrics) {
    this.heartbeat = metrics.gauge({
      name: 'worker_heartbeat_timestamp_seconds',
      help: "Unix time of this worker's last successful heartbeat.",
    });
  }

  recordHeartbeat(at: Date): void {
    this.heartbeat.set(at.getTime() / 1_000);
  }
}
