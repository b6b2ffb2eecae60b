import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';
import type { TokenPair } from './token-pair';

/** A client asks for cookies instead of tokens in the body with this request header. */
export const AUTH_MODE_HEADER = 'x-auth-mode';
export const CSRF_HEADER = 'x-csrf-token';

export interface CookieSessionBody {
  tokenType: 'Cookie';
  expiresIn: number;
  refreshTokenExpiresAt: string;
  /** Send it back as X-CSRF-Token on every state-changing request authenticated by the cookie. */
  csrfToken: string;
}

/**
 * Browser mode: tokens in HttpOnly cookies instead of the response body, so page scripts never
 * see them, plus a CSRF token for requests the cookie authenticates.
 * - Cookies are `HttpOnly; SameSite=Lax; Path=/`, `Secure` (and named with the `__Host-` prefix,
 *   which pins them to this host) unless COOKIE_SECURE is off (development only).
 * - The CSRF token is an HMAC of the session id under COOKIE_SECRET (OWASP's signed double-submit):
 *   it cannot be forged without the secret, works for the whole session (across a rotation of the
 *   secret too: COOKIE_PREVIOUS_SECRETS), and is also set as a readable cookie so a single-page app
 *   can echo it in `X-CSRF-Token`. The cookies themselves are not signed: the access cookie is a JWT,
 *   the refresh cookie an opaque token checked in PostgreSQL.
 */
@Injectable()
export class BrowserSession {
  readonly names: { access: string; refresh: string; csrf: string };

  constructor(private readonly config: ApiConfig) {
    const prefix = config.cookies.secure ? '__Host-' : '';
    this.names = {
      access: `${prefix}rampart_access`,
      refresh: `${prefix}rampart_refresh`,
      csrf: `${prefix}rampart_csrf`,
    };
  }

  wantsCookies(request: FastifyRequest): boolean {
    return request.headers[AUTH_MODE_HEADER] === 'cookie';
  }

  csrfToken(sessionId: string, secret = this.config.cookies.secret): string {
    return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
  }

  /**
   * The request's X-CSRF-Token is the one of this session, under COOKIE_SECRET or a retired secret of
   * COOKIE_PREVIOUS_SECRETS: a page keeps the token it was given at sign-in, so a rotation must not
   * refuse it (the next refresh hands out one under the current secret). Every candidate is compared,
   * in constant time, whichever matches.
   */
  csrfValid(request: FastifyRequest, sessionId: string): boolean {
    const header = request.headers[CSRF_HEADER];
    if (typeof header !== 'string') return false;
    const given = Buffer.from(header);
    let valid = false;
    for (const secret of [this.config.cookies.secret, ...this.config.cookies.previousSecrets]) {
      const expected = Buffer.from(this.csrfToken(sessionId, secret));
      valid = (given.length === expected.length && timingSafeEqual(given, expected)) || valid;
    }
    return valid;
  }

  /** X-CSRF-Token equals the CSRF cookie (plain double-submit), for the refresh, where the session is not known yet. */
  csrfMatchesCookie(request: FastifyRequest): boolean {
    const header = request.headers[CSRF_HEADER];
    const cookie = request.cookies[this.names.csrf];
    if (typeof header !== 'string' || !cookie) return false;
    const a = Buffer.from(header);
    const b = Buffer.from(cookie);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * The request was sent by a page of this API's own origin, judged by headers that the browser
   * sets and no page can: Sec-Fetch-Site, when sent, is `same-origin` (not `same-site`: a sibling
   * host or another port of localhost is a different origin), and Origin is present and names the
   * origin the request was addressed to. Browsers send Origin with every POST, PUT, PATCH and
   * DELETE, so a missing one means a client that is not a browser page, which must use a bearer
   * token. For pages that cannot send X-CSRF-Token (the queue dashboard).
   */
  fromSameOrigin(request: FastifyRequest): boolean {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return false;
    try {
      // request.protocol and request.host follow X-Forwarded-* only from TRUST_PROXY peers.
      return origin === new URL(`${request.protocol}://${request.host}`).origin;
    } catch {
      return false;
    }
  }

  accessTokenOf(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.access];
  }

  refreshTokenOf(request: FastifyRequest): string | undefined {
    return request.cookies[this.names.refresh];
  }

  /** The refresh token of a refresh that sent none in its body: the cookie's, with the CSRF cookie echoed. */
  refreshTokenFromCookie(request: FastifyRequest): string {
    const token = this.refreshTokenOf(request);
    if (!token) throw new DomainError('invalid_refresh_token', 401, 'Send a refresh token.');
    if (!this.csrfMatchesCookie(request)) {
      throw new DomainError('csrf_invalid', 403, 'Send the session CSRF token in X-CSRF-Token.');
    }
    return token;
  }

  /** The answer to a sign-in or refresh: the pair in the body, or (X-Auth-Mode: cookie) in cookies. */
  deliver(request: FastifyRequest, reply: FastifyReply, pair: TokenPair): TokenPair | CookieSessionBody {
    return this.wantsCookies(request) ? this.issue(reply, pair, pair.sessionId) : pair;
  }

  /** Puts the pair in cookies and answers with what a browser may see. */
  issue(reply: FastifyReply, pair: TokenPair, sessionId: string): CookieSessionBody {
    const base = { path: '/', secure: this.config.cookies.secure, sameSite: 'lax' as const };
    const refreshMaxAge = Math.max(
      0,
      Math.floor((Date.parse(pair.refreshTokenExpiresAt) - Date.now()) / 1_000),
    );
    const csrfToken = this.csrfToken(sessionId);
    void reply
      .setCookie(this.names.access, pair.accessToken, { ...base, httpOnly: true, maxAge: pair.expiresIn })
      .setCookie(this.names.refresh, pair.refreshToken, { ...base, httpOnly: true, maxAge: refreshMaxAge })
      .setCookie(this.names.csrf, csrfToken, { ...base, httpOnly: false, maxAge: refreshMaxAge });
    return {
      tokenType: 'Cookie',
      expiresIn: pair.expiresIn,
      refreshTokenExpiresAt: pair.refreshTokenExpiresAt,
      csrfToken,
    };
  }

  clear(reply: FastifyReply): void {
    const base = { path: '/', secure: this.config.cookies.secure, sameSite: 'lax' as const };
    for (const name of Object.values(this.names)) void reply.clearCookie(name, base);
  }
}
