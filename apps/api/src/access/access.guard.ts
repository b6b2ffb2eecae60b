import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from '../identity/authenticator';
import type { Permission } from '../identity/permissions';
import { assertAllowed } from './access-decision';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from './access.decorators';

/** A route open to all, or the permissions it needs. */
type RouteRule = 'public' | readonly Permission[];

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

  /** Per controller class, then handler: what the route's decorators ask (read once per route). */
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRule>>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.ruleOf(context);
    if (rule === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(request);
    assertAllowed(principal, rule);
    return true;
  }

  /**
   * The route's rule: @Public() on the handler or its controller, else the permissions the nearer
   * of the two declares (none: refused by assertAllowed). Decorators are fixed once the app is
   * built, so the Reflector is asked once per route. Keyed by class and handler both: a handler
   * inherited by two controllers may be public in one and not the other.
   */
  private ruleOf(context: ExecutionContext): RouteRule {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.rules.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.rules.set(controller, byHandler);
    }
    let rule = byHandler.get(handler);
    if (rule === undefined) {
      const targets = [handler, controller];
      rule = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)
        ? 'public'
        : (this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, targets) ?? []);
      byHandler.set(handler, rule);
    }
    return rule;
  }
}
