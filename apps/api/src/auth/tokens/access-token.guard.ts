import { type CanActivate, type ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import { AccessTokens } from './access-tokens';
import type { Principal } from './principal';
import { TokenState } from './token-state';

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

/** The bearer token of a request, or undefined. Only the `Bearer` scheme, one token. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
  return match?.[1];
}

/**
 * Requires a valid, unrevoked access token: signature and claims (AccessTokens), then the live
 * state (TokenState: denylist, session, token version, account status). Puts the Principal on
 * the request. The access-control issue turns this into the global default-deny guard.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly state: TokenState,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request);
    if (!token)
      throw new DomainError('unauthenticated', 401, 'Send an access token: Authorization: Bearer <token>.');
    request.principal = await this.state.authorize(await this.tokens.verify(token));
    return true;
  }
}

/** The Principal of a request that passed AccessTokenGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a route without AccessTokenGuard');
    return principal;
  },
);
