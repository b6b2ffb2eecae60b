import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@rampart/http';
import { Authenticator } from '../auth/tokens/authenticator';
import type { AuthenticatedRequest } from '../auth/tokens/authenticator';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './access.decorators';
import { type Permission, isAdministrative, roleHas } from './permissions';

/**
 * The API's one authorization gate, installed globally: default deny. A route is open only when
 * marked @Public(); otherwise the caller must be authenticated and their role must hold every
 * permission the route declares with @RequirePermission(...). A route that declares neither is
 * refused (and a test fails for it). The role is the one in force now (TokenState reads it live),
 * so a role change or a disable takes effect on the next request. Administrative routes need an
 * admin's session to have passed MFA.
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
    const permissions = this.reflector.getAllAndOverride<Permission[] | undefined>(
      REQUIRED_PERMISSIONS,
      targets,
    );

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticator.authenticate(request);
    request.principal = principal;

    if (!permissions?.length) throw new DomainError('forbidden', 403, 'This route is not open to anyone.');
    const missing = permissions.filter((permission) => !roleHas(principal.role, permission));
    if (missing.length) {
      throw new DomainError('forbidden', 403, `Your role (${principal.role}) lacks ${missing.join(', ')}.`, {
        missing,
      });
    }
    if (principal.role === 'admin' && isAdministrative(permissions) && !principal.amr.includes('mfa')) {
      throw new DomainError(
        'mfa_required',
        403,
        'Administrative actions need a session signed in with two-factor authentication; enrol at /v1/auth/mfa/totp/setup if you have not, then sign in again.',
      );
    }
    return true;
  }
}
