import type { AuditActor } from '@rampart/audit';
import type { Role } from '@rampart/db';
import type { Permission } from './permissions';

/** The authentication methods a sign-in can use, by their RFC 8176 names (the `amr` claim). */
export const AuthMethod = { Password: 'pwd', Mfa: 'mfa' } as const;

/** A signed-in user, by a verified access token, with the role and state as they are now (not when it was issued). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  sessionId: string;
  role: Role;
  /** Authentication methods of the sign-in (AuthMethod): `pwd`, plus `mfa` after a second factor. */
  amr: string[];
  jti: string;
  expiresAt: Date;
}

/**
 * A program calling with a credential of its own (a flag-evaluation SDK key), not a person: it holds
 * exactly the permissions the credential was issued with, has no session and no account.
 */
export interface ServicePrincipal {
  kind: 'service';
  credentialId: string;
  /** A server key sees every flag; a client key (browsers, apps) only client-visible ones. */
  credentialKind: 'server' | 'client';
  permissions: readonly Permission[];
}

/** Who a request speaks for. Guards, rate-limit trackers and audit actors take both kinds. */
export type Principal = UserPrincipal | ServicePrincipal;

/** A principal's name in logs and rate-limit keys: `user:<id>` or `service:<credential id>`. */
export type PrincipalName = `user:${string}` | `service:${string}`;

export function principalName(principal: Principal): PrincipalName {
  return principal.kind === 'user' ? `user:${principal.userId}` : `service:${principal.credentialId}`;
}

/** How the audit log names a principal. */
export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'user'
    ? { userId: principal.userId, role: principal.role }
    : `service:${principal.credentialId}`;
}

/** The access token's claims, as Rampart issues them. */
export interface AccessClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  jti: string;
  role: Role;
  amr: string[];
  /** The user's token version when issued: bumping it (logout-all, password change) kills the token. */
  ver: number;
  iat: number;
  exp: number;
}
