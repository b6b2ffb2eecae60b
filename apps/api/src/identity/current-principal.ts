import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@rampart/http';
import type { Principal, UserPrincipal } from './principal';
import { requestContextOf } from './request-context';

function principalOf(context: ExecutionContext): Principal {
  const principal = requestContextOf(context.switchToHttp().getRequest<FastifyRequest>())?.principal;
  if (!principal)
    throw new Error('a principal was asked for on a route the access guard did not authenticate');
  return principal;
}

/** The caller of a route that passed the AccessGuard: a user or a service credential. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context),
);

/**
 * The signed-in user of a route about one's own account (profile, sessions, password, MFA). A
 * service credential has no account: it is refused here rather than reaching the handler.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserPrincipal => {
    const principal = principalOf(context);
    if (principal.kind !== 'user') {
      throw new DomainError(
        'forbidden',
        403,
        'This route is about a user account; a service credential has none.',
      );
    }
    return principal;
  },
);
