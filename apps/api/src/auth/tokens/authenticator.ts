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

/**
 * How a state-changing request authenticated by the cookie proves it is not forged by another
 * site: `token`, the session's X-CSRF-Token (the API's routes); `same-origin`, the browser's own
 * Origin and Sec-Fetch-Site headers, for a third-party page that cannot add a header (the queue
 * dashboard).
 */
export type CsrfDefence = 'token' | 'same-origin';

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
 * authenticated by the cookie must also pass the CSRF defence (CsrfDefence); bearer requests need
 * none (a browser never attaches them by itself).
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly state: TokenState,
    private readonly browser: BrowserSession,
  ) {}

  async authenticate(request: FastifyRequest, csrf: CsrfDefence = 'token'): Promise<Principal> {
    const bearer = bearerToken(request);
    const cookie = bearer ? undefined : this.browser.accessTokenOf(request);
    const token = bearer ?? cookie;
    if (!token)
      throw new DomainError('unauthenticated', 401, 'Send an access token: Authorization: Bearer <token>.');
    const principal = await this.state.authorize(await this.tokens.verify(token));
    if (!cookie || SAFE_METHODS.has(request.method)) return principal;
    if (csrf === 'same-origin') {
      if (!this.browser.fromSameOrigin(request)) {
        throw new DomainError(
          'csrf_invalid',
          403,
          'A change authenticated by the session cookie must come from a page of this origin (Origin and Sec-Fetch-Site).',
        );
      }
    } else if (!this.browser.csrfValid(request, principal.sessionId)) {
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
