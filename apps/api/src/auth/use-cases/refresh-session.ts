import { AuthMetrics } from '../auth.metrics';
import { Injectable, Logger } from '@nestjs/common';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { hashOneTimeToken } from '@rampart/identity';
import type { TokenPair } from '../../identity/token-pair';
import { SessionTokens } from '../tokens/session-tokens';
import { TokenState } from '../../identity/token-state';
import { AuditLog } from '@rampart/audit';

/**
 * Refresh-token rotation (RFC 9700 section 4.14): each refresh token works once and yields the next.
 * A spent token presented again means it leaked or was replayed, so the whole session is revoked:
 * the thief's tokens and the owner's alike stop working.
 */
export interface RefreshSessionInput {
  refreshToken: string;
}

@Injectable()
export class RefreshSession {
  private readonly logger = new Logger(RefreshSession.name);

  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly sessionTokens: SessionTokens,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly metrics: AuthMetrics,
  ) {}

  async execute({ refreshToken }: RefreshSessionInput): Promise<TokenPair> {
    const known = await this.sessions.sessionOfRefreshToken(hashOneTimeToken(refreshToken));
    if (known && (await this.state.sessionIdle(known))) {
      await this.state.expireIdle(known);
      throw new DomainError(
        'session_expired',
        401,
        'The session ended after a period of inactivity; sign in again.',
      );
    }
    const result = await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const outcome = await this.sessions.spendRefreshToken(hashOneTimeToken(refreshToken), tx);
      if (outcome.kind === 'reused') {
        // The session was revoked in this transaction; its entry commits with it.
        await this.audit.record(
          {
            actor: { userId: outcome.userId },
            action: 'auth.refresh_token_reused',
            target: { type: 'session', id: outcome.sessionId },
            outcome: 'denied',
          },
          tx,
        );
        afterCommit(() => this.state.endSessions([outcome.sessionId]));
      }
      if (outcome.kind !== 'rotated') return { outcome, next: null };
      return { outcome, next: await this.sessionTokens.nextRefreshToken(outcome.session, tx) };
    });
    const { outcome } = result;
    if (outcome.kind === 'reused') {
      this.metrics.refreshTokenReused();
      this.logger.warn(
        { sessionId: outcome.sessionId, userId: outcome.userId },
        'refresh token reuse: session revoked',
      );
      throw new DomainError(
        'refresh_token_reused',
        401,
        'This refresh token was already used; the session has been ended.',
      );
    }
    if (outcome.kind === 'invalid' || !result.next) {
      throw new DomainError(
        'invalid_refresh_token',
        401,
        'The refresh token is invalid or expired; sign in again.',
      );
    }
    const user = await this.users.findById(outcome.session.userId);
    if (!user || user.status !== 'active') {
      await this.database.unitOfWork(async ({ tx, afterCommit }) => {
        await this.sessions.revoke(outcome.session.id, 'account_inactive', tx);
        afterCommit(() => this.state.endSessions([outcome.session.id]));
      });
      throw new DomainError(
        'invalid_refresh_token',
        401,
        'The refresh token is invalid or expired; sign in again.',
      );
    }
    this.metrics.refreshed();
    return this.sessionTokens.activate(outcome.session, user, result.next);
  }
}
