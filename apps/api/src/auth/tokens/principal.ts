import type { Role } from '@rampart/db';

/** Who a verified access token speaks for, with the role and state as they are now (not when it was issued). */
export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
  /** Authentication methods of the sign-in: `pwd`, plus `mfa` after a second factor. */
  amr: string[];
  jti: string;
  expiresAt: Date;
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
