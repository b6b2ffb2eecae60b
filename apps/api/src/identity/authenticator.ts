import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import { AccessTokens } from './access-tokens';
import { BrowserSession } from './browser-session';
import type { AccessClaims, Principal, PrincipalName, ServicePrincipal } from './principal';
import { looksLikeSdkKey } from './sdk-key-format';
import { SdkKeyCredentials } from './sdk-key-credentials';
import { requestContextOf } from './request-context';
import { TokenState, type TokenStateRead } from './token-state';

/**
 * A credential a request carried, verified: an access token (bearer or cookie) with its claims, or an
 * active SDK key with its service principal; either way, whom it names.
 */
export type PresentedToken =
  | { via: 'bearer' | 'cookie'; claims: AccessClaims; caller: PrincipalName }
  | { via: 'sdk-key'; principal: ServicePrincipal; caller: PrincipalName };

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
 * Who is calling: an active SDK key (X-API-Key, or a bearer token shaped like one: a service
 * principal), or a valid, unrevoked access token from the Authorization header or (browser mode)
 * the access cookie. Signature and claims (AccessTokens), then the live state (TokenState: denylist,
 * session, inactivity, token version, account status, current role). A state-changing request
 * authenticated by the cookie must also pass the CSRF defence (CsrfDefence); bearer requests need
 * none (a browser never attaches them by itself).
 *
 * A token is verified once per request however many steps ask (the rate limiter's tracker, then
 * the access guard): the verification is kept for the request's lifetime. The principal is put in
 * the request's context (request-context.ts) for everything after the guards.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly state: TokenState,
    private readonly browser: BrowserSession,
    private readonly sdkKeys: SdkKeyCredentials,
  ) {}

  private readonly verified = new WeakMap<FastifyRequest, Promise<PresentedToken | undefined>>();
  /** Live-state reads started ahead of authenticate() (readStateEarly), by request. */
  private readonly stateReads = new WeakMap<FastifyRequest, Promise<TokenStateRead>>();

  /**
   * The request's access token with its signature and claims verified (no revocation check), or
   * undefined when it carries none; rejects for a token that does not verify.
   */
  presentedToken(request: FastifyRequest): Promise<PresentedToken | undefined> {
    let verification = this.verified.get(request);
    if (!verification) {
      verification = this.verify(request);
      // Not an unhandled rejection while nobody awaits it yet; each caller still sees the error.
      verification.catch(() => undefined);
      this.verified.set(request, verification);
    }
    return verification;
  }

  /**
   * Starts reading the live state of the request's verified user token now, for authenticate() to
   * use: the rate limiter calls it as it sends its hit, so both Redis commands leave in the same
   * turn of the event loop and the request waits for one round trip instead of two in a row. The
   * read is this request's alone, at most one round trip older than one the access guard would
   * have made, and authenticate() decides on it exactly as on a read of its own.
   */
  readStateEarly(request: FastifyRequest, presented: PresentedToken): void {
    if (presented.via === 'sdk-key' || this.stateReads.has(request)) return;
    const read = this.state.readState(presented.claims);
    // Not an unhandled rejection if the limiter refuses the request and nobody awaits it.
    read.catch(() => undefined);
    this.stateReads.set(request, read);
  }

  async authenticate(request: FastifyRequest, csrf: CsrfDefence = 'token'): Promise<Principal> {
    const presented = await this.presentedToken(request);
    if (!presented)
      throw new DomainError('unauthenticated', 401, 'Send an access token: Authorization: Bearer <token>.');
    const context = requestContextOf(request);
    if (presented.via === 'sdk-key') {
      if (context) context.principal = presented.principal;
      return presented.principal;
    }
    const early = this.stateReads.get(request);
    this.stateReads.delete(request);
    const principal = await this.state.authorize(presented.claims, early);
    // Named in the request's context even if the CSRF check below refuses: the log line says who was refused.
    if (context) context.principal = principal;
    if (presented.via === 'bearer' || SAFE_METHODS.has(request.method)) return principal;
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

  private async verify(request: FastifyRequest): Promise<PresentedToken | undefined> {
    const apiKey = request.headers['x-api-key'];
    const bearer = bearerToken(request);
    const sdkKey =
      typeof apiKey === 'string'
        ? apiKey
        : bearer !== undefined && looksLikeSdkKey(bearer)
          ? bearer
          : undefined;
    if (sdkKey !== undefined) {
      const principal = await this.sdkKeys.principalFor(sdkKey);
      if (!principal) throw new DomainError('unauthenticated', 401, 'The SDK key is unknown or revoked.');
      return { via: 'sdk-key', principal, caller: `service:${principal.credentialId}` };
    }
    const token = bearer ?? this.browser.accessTokenOf(request);
    if (!token) return undefined;
    const claims = await this.tokens.verify(token);
    return { via: bearer ? 'bearer' : 'cookie', claims, caller: `user:${claims.sub}` };
  }
}
