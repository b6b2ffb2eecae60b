import { randomUUID } from 'node:crypto';
import type { Role } from '@rampart/db';
import type { UserPrincipal } from '../../../apps/api/src/identity/principal';

/**
 * A signed-in user as the access guard hands it to a use case, for specs that call use cases
 * directly: a fresh user and session id, a password sign-in, ten minutes left on the token.
 */
export function aUserPrincipal(role: Role = 'operator'): UserPrincipal {
  return {
    kind: 'user',
    userId: randomUUID(),
    sessionId: randomUUID(),
    role,
    amr: ['pwd'],
    jti: randomUUID(),
    expiresAt: new Date(Date.now() + 600_000),
  };
}
