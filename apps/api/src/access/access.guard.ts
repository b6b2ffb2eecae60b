import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from '../identity/authenticator';
import type { Permission } from '../identity/permissions';
import { assertAllowed } from './access-decision';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './access.decorators';

/**
 * The API's one authorization gate: default deny. A route is open only when marked @Public();
 * otherwise the caller must be authenticated and hold every permission the route declares with
 * @RequirePermission(...) (assertAllowed). A route that declares neither is refused (and a test
 * fails for it). The role is the one in force now (TokenState reads it live), so a role change or
 * a disable takes effect on the next request. The Authenticator puts the principal into the
 * request's context, where the handler, the audit log and the log line find it.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const permissions =
      this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, targets) ?? [];

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(request);
    assertAllowed(principal, permissions);
    return true;
  }
}
