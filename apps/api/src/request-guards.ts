import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AccessGuard } from './access/access.guard';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';

/**
 * The API's one global guard: every route passes rate limiting, then access control, in this
 * order, written here rather than left to the order modules register their own APP_GUARDs in.
 * Limiting comes first so that a flood of requests, authenticated or not, is refused by its
 * budget before any permission check or database read; the token is verified once and shared by
 * both, and its live state is read beside the limiter's hit (Authenticator.readStateEarly).
 */
@Injectable()
export class RequestGuards implements CanActivate {
  constructor(
    private readonly rateLimit: RateLimitGuard,
    private readonly access: AccessGuard,
  ) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    const limited = this.rateLimit.limit(context);
    return limited === true
      ? this.access.canActivate(context)
      : limited.then(() => this.access.canActivate(context));
  }
}
