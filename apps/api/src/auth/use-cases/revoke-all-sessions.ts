import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { ApiConfig } from '@rampart/config';
import { Database, SessionRepository } from '@rampart/db';
import { TokenState } from '../../identity/token-state';

/** The revocation reason the breach response writes, and finds its own sessions by. */
export const REVOKED_ALL_REASON = 'revoked_all';
/** Sessions told to Redis per round trip. */
const REDIS_BATCH = 1_000;
/** Beyond the access-token lifetime: the clock skew verification allows, with room to spare. */
const MARGIN_MS = 120_000;

export interface RevokeAllSessionsReport {
  /** Sessions this run ended. */
  sessionsEnded: number;
  /** Sessions ended by this run or a recent one that every API process now refuses (Redis). */
  sessionsRefused: number;
}

/**
 * The breach response: every open session of every user ends, in PostgreSQL (so no refresh token
 * works again: a refresh needs an open session) and in Redis (so every access token is refused by
 * every API process on its next request, not at its expiry: each token names its session). Audited
 * as `system:cli`.
 *
 * Redis is told about every session ended for this reason within the last access-token lifetime,
 * not only this run's: if it was unreachable the first time, running the command again finishes the
 * job (and ends any session opened meanwhile).
 */
@Injectable()
export class RevokeAllSessions {
  private readonly accessTokenLifetimeMs: number;

  constructor(
    config: ApiConfig,
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
  ) {
    this.accessTokenLifetimeMs = config.jwt.accessTokenTtlSeconds * 1_000;
  }

  async execute(): Promise<RevokeAllSessionsReport> {
    const sessionsEnded = await this.database.transaction(async (tx) => {
      const ended = await this.sessions.revokeAll(REVOKED_ALL_REASON, tx);
      await this.audit.record(
        {
          actor: 'system:cli',
          action: 'auth.all_sessions_revoked',
          changes: { after: { sessionsEnded: ended } },
        },
        tx,
      );
      return ended;
    });
    const recent = await this.sessions.revokedSince(
      REVOKED_ALL_REASON,
      new Date(Date.now() - this.accessTokenLifetimeMs - MARGIN_MS),
    );
    for (let start = 0; start < recent.length; start += REDIS_BATCH) {
      await this.state.endSessions(recent.slice(start, start + REDIS_BATCH));
    }
    return { sessionsEnded, sessionsRefused: recent.length };
  }
}
