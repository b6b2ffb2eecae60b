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
