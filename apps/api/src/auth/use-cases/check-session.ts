import { Injectable } from '@nestjs/common';
import { DomainError } from '@rampart/http';
import { AccessTokens } from '../../identity/access-tokens';
import { TokenState } from '../../identity/token-state';

export interface CheckSessionInput {
  /** The access token the request carried (bearer header or cookie), if any. */
  accessToken: string | undefined;
}

export type SessionStatus =
  | { authenticated: false }
  | {
      authenticated: true;
      userId: string;
      sessionId: string;
      amr: string[];
      accessTokenExpiresAt: string;
    };

/**
 * Whether an access token is good right now (the seeds' check_session), with the same checks as
 * any authenticated request. Never refuses: a missing, invalid or revoked token is an answer of
 * its own, `authenticated: false`.
 */
@Injectable()
export class CheckSession {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly state: TokenState,
  ) {}

  async execute({ accessToken }: CheckSessionInput): Promise<SessionStatus> {
    if (!accessToken) return { authenticated: false };
    try {
      const principal = await this.state.authorize(await this.accessTokens.verify(accessToken));
      return {
        authenticated: true,
        userId: principal.userId,
        sessionId: principal.sessionId,
        amr: principal.amr,
        accessTokenExpiresAt: principal.expiresAt.toISOString(),
      };
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) return { authenticated: false };
      throw error;
    }
  }
}
