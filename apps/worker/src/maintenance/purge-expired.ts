import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '@rampart/config';
import {
  EmailOutboxRepository,
  LoginAttemptRepository,
  OneTimeTokenRepository,
  RegistrationRequestRepository,
  SessionRepository,
  UserRepository,
} from '@rampart/db';
import { VERIFICATION_TOKEN_TTL_HOURS } from '@rampart/identity';
import { PurgeTarget, type PurgeResult } from '@rampart/jobs';

/**
 * What each purge target deletes. Adding a target: a name in PurgeTarget (libs/jobs) and one line
 * here; the worker schedules every target on PURGE_CRON.
 */
@Injectable()
export class PurgeExpired {
  private readonly logger = new Logger(PurgeExpired.name);
  private readonly purges: Record<PurgeTarget, () => Promise<number>>;

  constructor(
    outbox: EmailOutboxRepository,
    loginAttempts: LoginAttemptRepository,
    oneTimeTokens: OneTimeTokenRepository,
    sessions: SessionRepository,
    users: UserRepository,
    registrations: RegistrationRequestRepository,
    config: WorkerConfig,
  ) {
    this.purges = {
      [PurgeTarget.SentEmail]: () => outbox.purgeSentOlderThan(config.outbox.retentionDays),
      [PurgeTarget.LoginAttempts]: () => loginAttempts.purgeOlderThan(config.retention.loginAttemptDays),
      [PurgeTarget.ExpiredOneTimeTokens]: () => oneTimeTokens.purgeExpired(),
      [PurgeTarget.EndedSessions]: () => sessions.purgeEndedOlderThan(config.retention.endedSessionDays),
      // Unverified accounts whose links all expired, and sign-ups no job ever took.
      [PurgeTarget.PendingRegistrations]: async () =>
        (await users.purgeExpiredPending(VERIFICATION_TOKEN_TTL_HOURS)) +
        (await registrations.purgeOlderThan(VERIFICATION_TOKEN_TTL_HOURS)),
    };
  }

  async run(target: PurgeTarget): Promise<PurgeResult> {
    const removed = await this.purges[target]();
    this.logger.log({ target, removed }, `purged ${removed} row(s) of ${target}`);
    return { target, removed };
  }
}
