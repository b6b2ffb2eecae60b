import type { Session } from './session';

/** A sessions row as a raw query returns it (the table's column names). */
export interface SessionColumns {
  id: string;
  user_id: string;
  amr: string[];
  created_at: Date;
  expires_at: Date;
  last_used_at: Date;
  revoked_at: Date | null;
  ip_address: string | null;
  user_agent: string | null;
}

export function sessionOfColumns(row: SessionColumns): Session {
  return {
    id: row.id,
    userId: row.user_id,
    amr: row.amr,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
  };
}
