export { DbModule } from './db.module';
export { DatabaseHealth } from './database-health';
export { databaseUnavailable } from './database-unavailable';
export { Database, type DbTransaction, type UnitOfWork } from './transaction';
export { EmailOutboxRepository } from './email/email-outbox.repository';
export type { NewOutboxEmail, OutboxClaim, OutboxEmail } from './email/outbox-email';
export { HeartbeatRepository } from './heartbeats/heartbeat.repository';
export type { Heartbeat } from './heartbeats/heartbeat';
export { UserRepository } from './users/user.repository';
export { OneTimeTokenRepository, type OneTimeTokenKind } from './auth/one-time-tokens';
export {
  LoginThrottleRepository,
  type LockoutPolicy,
  type LoginCharge,
} from './auth/login-throttle.repository';
export { SignInRepository, type SucceededSignIn } from './auth/sign-in.repository';
export {
  MfaRepository,
  type MfaState,
  type SealedTotpColumn,
  type SealedTotpSecrets,
} from './auth/mfa.repository';
export {
  RegistrationRequestRepository,
  type RegistrationRequest,
} from './auth/registration-request.repository';
export {
  LoginAttemptRepository,
  type LoginAttemptRecord,
  type LoginOutcome,
} from './auth/login-attempt.repository';
export { ROLES, USER_STATUSES } from './users/user';
export type { Role, User, UserListQuery, UserStatus, UserWithPassword } from './users/user';
export { SessionRepository } from './sessions/session.repository';
export type { NewSession, Session } from './sessions/session';
export { AuditLogRepository } from './audit/audit-log.repository';
export type {
  AuditEntry,
  AuditFilters,
  AuditQuery,
  AuditVerification,
  NewAuditEntry,
} from './audit/audit-entry';
export { FlagSetVersionRepository, changedKeyOf } from './flags/flag-set-version.repository';
export type {
  FlagSetChangeKind,
  FlagSetContent,
  FlagSetDiffEntry,
  FlagSetVersion,
  FlagSetVersionSummary,
  NewFlagSetVersion,
} from './flags/flag-set-version';
export { SdkKeyRepository } from './flags/sdk-key.repository';
export type { NewSdkKey, SdkKey, SdkKeyKind } from './flags/sdk-key';
export { FlagUsageRepository } from './flags/flag-usage.repository';
export { IncidentRepository } from './incidents/incident.repository';
export { INCIDENT_LIMITS, INCIDENT_SEVERITIES, INCIDENT_STATUSES } from './incidents/incident';
export type {
  Incident,
  IncidentChanges,
  IncidentEntry,
  IncidentEntryKind,
  IncidentFields,
  IncidentListQuery,
  IncidentSeverity,
  IncidentStatus,
  NewIncident,
  NewIncidentEntry,
} from './incidents/incident';
export { RolloutRepository } from './rollouts/rollout.repository';
export { ENDED_ROLLOUT_STATUSES, ROLLOUT_PAUSE_REASONS, ROLLOUT_STATUSES } from './rollouts/rollout';
export type {
  NewRollout,
  NewRolloutDecision,
  Rollout,
  RolloutChanges,
  RolloutDecisionRecord,
  RolloutListQuery,
  RolloutPauseReason,
  RolloutStatus,
} from './rollouts/rollout';
