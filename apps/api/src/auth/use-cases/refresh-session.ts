import { AuthMetrics } from '../auth.metrics';
import { Injectable, Logger } from '@nestjs/common';
import { Database, SessionRepository } from '@rampart/db';
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

function invalidRefreshToken(): DomainError {
  return new DomainError(
    'invalid_refresh_token',
    401,
    'The refresh token is invalid or expired; sign in again.',
  );
}

@Injectable()
export class RefreshSession {
  private readonly logger = new Logger(RefreshSession.name);

  constructor(
    private readonly database: Database,
    private readonly sessions: SessionRepository,
    private readonly sessionTokens: SessionTokens,
    private readonly state: TokenState,
    private readonly audit: AuditLog,
    private readonly metrics: AuthMetrics,
  ) {}

  async execute({ refreshToken }: RefreshSessionInput): Promise<TokenPair> {
    const tokenHash = hashOneTimeToken(refreshToken);
    const known = await this.sessions.sessionOfRefreshToken(tokenHash);
    if (known && (await this.state.sessionIdle(known))) {
      await this.state.expireIdle(known);
      throw new DomainError(
        'session_expired',
        401,
        'The session ended after a period of inactivity; sign in again.',
      );
    }
    // The token spent, the next one stored and the session's user read: one statement.
    const next = this.sessionTokens.newRefreshToken();
    const rotated = await this.sessions.rotateRefreshToken(tokenHash, next.hash);
    if (!rotated) {
      const reused = await this.database.unitOfWork(async ({ tx, afterCommit }) => {
        const found = await this.sessions.revokeOnReuse(tokenHash, tx);
        if (!found) return null;
        // The session was revoked in this transaction; its entry commits with it.
        await this.audit.record(
          {
            actor: { userId: found.userId },
            action: 'auth.refresh_token_reused',
            target: { type: 'session', id: found.sessionId },
            outcome: 'denied',
          },
          tx,
        );
        afterCommit(() => this.state.endSessions([found.sessionId]));
        return found;
      });
      if (reused) {
        this.metrics.refreshTokenReused();
        this.logger.warn(
          { sessionId: reused.sessionId, userId: reused.userId },
          'refresh token reuse: session revoked',
        );
        throw new DomainError(
          'refresh_token_reused',
          401,
          'This refresh token was already used; the session has been ended.',
        );
      }
      throw invalidRefreshToken();
    }
    const { session, user } = rotated;
    if (user.status !== 'active') {
      await this.database.unitOfWork(async ({ tx, afterCommit }) => {
        await this.sessions.revoke(session.id, 'account_inactive', tx);
        afterCommit(() => this.state.endSessions([session.id]));
      });
      throw invalidRefreshToken();
    }
    this.metrics.refreshed();
    return this.sessionTokens.activate(session, user, next.token);
  }
}
