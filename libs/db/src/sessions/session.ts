/** A sign-in (a refresh-token family), as the application sees it. */
export interface Session {
  id: string;
  userId: string;
  amr: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date;
  revokedAt: Date | null;
  ipAddress: string | null;
  userAgent: string | null;
}

export interface NewSession {
  userId: string;
  amr: string[];
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/** What presenting a refresh token found. */
export type RefreshOutcome =
  | { kind: 'rotated'; session: Session }
  /** The token was already spent: someone replayed it. The session is now revoked. */
  | { kind: 'reused'; sessionId: string; userId: string }
  /** Unknown, expired, or its session is over. */
  | { kind: 'invalid' };
