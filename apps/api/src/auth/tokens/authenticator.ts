import { type ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import { AccessTokens } from './access-tokens';
import { BrowserSession } from './browser-session';
import type { Principal } from './principal';
import { TokenState } from './token-state';

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The bearer token of a request, or undefined. Only the `Bearer` scheme, one token. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
  return match?.[1];
}

/**
 * Who is calling: a valid, unrevoked access token from the Authorization header or (browser mode)
 * the access cookie. Signature and claims (AccessTokens), then the live state (TokenState: denylist,
 * session, inactivity, token version, account status, current role). A state-changing request
 * authenticated by the cookie must also carry the session's X-CSRF-Token; bearer requests need
 * none (a browser never attaches them by itself).
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly state: TokenState,
    private readonly browser: BrowserSession,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const bearer = bearerToken(request);
    const cookie = bearer ? undefined : this.browser.accessTokenOf(request);
    const token = bearer ?? cookie;
    if (!token)
      throw new DomainError('unauthenticated', 401, 'Send an access token: Authorization: Bearer <token>.');
    const principal = await this.state.authorize(await this.tokens.verify(token));
    if (
      cookie &&
      !SAFE_METHODS.has(request.method) &&
      !this.browser.csrfValid(request, principal.sessionId)
    ) {
      throw new DomainError('csrf_invalid', 403, 'Send the session CSRF token in X-CSRF-Token.');
    }
    return principal;
  }
}

/** The Principal of a request that passed the AccessGuard on a non-public route. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);
