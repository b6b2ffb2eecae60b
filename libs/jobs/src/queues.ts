// The contract between producers (the API) and consumers (the worker): queue names, job names,
// payload and result types, and the options each job is produced with. Nothing else names a
// queue or a job.
import type { JobsOptions } from 'bullmq';
import { RetryPreset } from './retry-presets';

export const QueueName = {
  Maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  /** Records that a worker is alive and consuming; the API's readiness check reads it. */
  Heartbeat: 'maintenance.heartbeat',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface HeartbeatPayload {
  /** Who asked for the beat: `scheduler`, or a component that wants proof of a live consumer. */
  requestedBy: string;
}

export interface HeartbeatResult {
  instanceId: string;
  beatAt: string;
  beatsTotal: number;
}

/** Payload type per job name: a producer and a consumer cannot disagree on a job's shape. */
export interface JobPayloads {
  [JobName.Heartbeat]: HeartbeatPayload;
}

/** Result type per job name (what the handler returns, kept on completed jobs). */
export interface JobResults {
  [JobName.Heartbeat]: HeartbeatResult;
}

export interface JobDefinition {
  queue: QueueName;
  options: JobsOptions;
}

export const JOBS = {
  [JobName.Heartbeat]: { queue: QueueName.Maintenance, options: RetryPreset.housekeeping },
} as const satisfies Record<JobName, JobDefinition>;

/** The job names a queue carries, as a type: a queue's processor must handle exactly these. */
export type JobsOf<Q extends QueueName> = {
  [N in JobName]: (typeof JOBS)[N]['queue'] extends Q ? N : never;
}[JobName];

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOBS) as JobName[]).filter((name) => JOBS[name].queue === queue);
}
