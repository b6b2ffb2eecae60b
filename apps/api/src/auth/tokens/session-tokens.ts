import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { type DbTransaction, type Role, type Session, SessionRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { newOneTimeToken } from '@rampart/identity';
import { AccessTokens } from '../../identity/access-tokens';
import type { TokenPair } from '../../identity/token-pair';
import { TokenState } from '../../identity/token-state';

interface SessionUser {
  id: string;
  role: Role;
  tokenVersion: number;
}

/** Issues the token pair of a session: the next refresh token (stored hashed) and an access token. */
@Injectable()
export class SessionTokens {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly accessTokens: AccessTokens,
    private readonly state: TokenState,
    private readonly config: ApiConfig,
  ) {}

  sessionExpiry(): Date {
    return new Date(Date.now() + this.config.sessionTtlDays * 24 * 3_600_000);
  }

  /** A new refresh token and the hash to store in its place. */
  newRefreshToken(): { token: string; hash: string } {
    return newOneTimeToken();
  }

  /** Stores the session's next refresh token in `tx`; call activate() after the commit. */
  async nextRefreshToken(session: Session, tx: DbTransaction): Promise<string> {
    const { token, hash } = this.newRefreshToken();
    await this.sessions.addRefreshToken(session.id, hash, session.expiresAt, tx);
    return token;
  }

  /**
   * Marks the session active for every API process and signs the access token. Refuses (401) when
   * the session was ended while the sign-in or refresh ran: an admin disabling the account, a logout
   * everywhere, or refresh-token reuse detected by a racing request.
   */
  async activate(session: Session, user: SessionUser, refreshToken: string): Promise<TokenPair> {
    if (!(await this.state.activateSession(session.id, session.expiresAt, user.role))) {
      throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    }
    const access = this.accessTokens.sign({
      userId: user.id,
      sessionId: session.id,
      role: user.role,
      amr: session.amr,
      tokenVersion: user.tokenVersion,
    });
    return {
      tokenType: 'Bearer',
      sessionId: session.id,
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken,
      refreshTokenExpiresAt: session.expiresAt.toISOString(),
    };
  }
}
