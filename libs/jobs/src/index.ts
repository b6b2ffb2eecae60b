export { JobsModule } from './jobs.module';
export { JobProducer } from './job-producer';
export { ChangeFeed } from './change-feed';
export { CHANGE_TOPICS, type ChangeTopic, type ChangeTopics } from './change-topics';
export { RedisHealth } from './redis-health';
export { QUEUE_READ_BUDGET_MS, QueueHealthReader, type QueueHealth } from './queue-health';
export { waitingSince, type WaitingJobTimes } from './waiting-since';
export { queuePrefix, type RedisRole } from './redis-connection';
export { RedisConnections } from './redis-connections';
export { processorProblems, type JobContext, type JobHandlerFn, type QueueProcessor } from './job-handler';
export { RetryPreset } from './retry-presets';
export {
  JOBS,
  JobName,
  QueueName,
  PurgeTarget,
  WORKER_HEARTBEAT_COMPONENT,
  jobsOfQueue,
  sendEmailJobId,
  registrationSweepJobId,
  type HeartbeatPayload,
  type OutboxSweepResult,
  type PurgePayload,
  type PurgeResult,
  type RolloutEvaluationOutcome,
  type RolloutsEvaluateResult,
  type SendEmailPayload,
  type RegistrationRequestedPayload,
  type AddressRequestPayload,
  type AccountRequestResult,
  type SendEmailResult,
  type HeartbeatResult,
  type JobDefinition,
  type JobPayloads,
  type JobResults,
  type JobsOf,
} from './queues';
