import { DomainError } from '@rampart/http';
import { type Permission, ROLE_PERMISSIONS, isAdministrative } from '../identity/permissions';
import { AuthMethod, type Principal } from '../identity/principal';

function permissionsOf(principal: Principal): readonly Permission[] {
  return principal.kind === 'user' ? ROLE_PERMISSIONS[principal.role] : principal.permissions;
}

/**
 * May this principal do what needs these permissions? Throws the refusal when not: every permission
 * must be held (a user's by their current role, a service credential's by its grant), an empty list
 * opens nothing, and an administrative action by an admin needs a session that passed MFA. The
 * AccessGuard and the queue dashboard both decide with this, so they cannot drift apart.
 */
export function assertAllowed(principal: Principal, required: readonly Permission[]): void {
  if (!required.length) throw new DomainError('forbidden', 403, 'This route is not open to anyone.');
  const held = permissionsOf(principal);
  const missing = required.filter((permission) => !held.includes(permission));
  if (missing.length) {
    const who = principal.kind === 'user' ? `Your role (${principal.role})` : 'This credential';
    throw new DomainError('forbidden', 403, `${who} lacks ${missing.join(', ')}.`, { missing });
  }
  if (
    principal.kind === 'user' &&
    principal.role === 'admin' &&
    isAdministrative(required) &&
    !principal.amr.includes(AuthMethod.Mfa)
  ) {
    throw new DomainError(
      'mfa_required',
      403,
      'Administrative actions need a session signed in with two-factor authentication; enrol at /v1/auth/mfa/totp/setup if you have not, then sign in again.',
    );
  }
}
