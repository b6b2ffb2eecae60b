import { Global, Module } from '@nestjs/common';
import { AuditLogRepository } from './audit/audit-log.repository';
import { LoginAttemptRepository } from './auth/login-attempt.repository';
import { LoginThrottleRepository } from './auth/login-throttle.repository';
import { SignInRepository } from './auth/sign-in.repository';
import { MfaRepository } from './auth/mfa.repository';
import { OneTimeTokenRepository } from './auth/one-time-tokens';
import { RegistrationRequestRepository } from './auth/registration-request.repository';
import { DatabaseHealth } from './database-health';
import { EmailOutboxRepository } from './email/email-outbox.repository';
import { FlagSetVersionRepository } from './flags/flag-set-version.repository';
import { FlagUsageRepository } from './flags/flag-usage.repository';
import { SdkKeyRepository } from './flags/sdk-key.repository';
import { HeartbeatRepository } from './heartbeats/heartbeat.repository';
import { IncidentRepository } from './incidents/incident.repository';
import { PrismaService } from './prisma.service';
import { RolloutRepository } from './rollouts/rollout.repository';
import { SessionRepository } from './sessions/session.repository';
import { Database } from './transaction';
import { UserRepository } from './users/user.repository';

/** Everything the lib provides; all but PrismaService (kept inside the lib) are exported. */
const REPOSITORIES = [
  Database,
  DatabaseHealth,
  HeartbeatRepository,
  EmailOutboxRepository,
  UserRepository,
  OneTimeTokenRepository,
  RegistrationRequestRepository,
  LoginThrottleRepository,
  SignInRepository,
  LoginAttemptRepository,
  MfaRepository,
  SessionRepository,
  AuditLogRepository,
  FlagSetVersionRepository,
  FlagUsageRepository,
  SdkKeyRepository,
  IncidentRepository,
  RolloutRepository,
];

/** PostgreSQL access for an app. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({ providers: [PrismaService, ...REPOSITORIES], exports: REPOSITORIES })
export class DbModule {}
