/** One fact for the audit log: who did what to which target, how it went, and from where. */
export interface NewAuditEntry {
  /** `user:<id>`, `system:<component>` or `anonymous`. */
  actor: string;
  actorId?: string | null;
  actorRole?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** What changed (before/after). Never secrets: no passwords, tokens, TOTP secrets or codes. */
  changes?: { before?: unknown; after?: unknown } | null;
  outcome: 'success' | 'failure' | 'denied';
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface AuditEntry extends Required<Omit<NewAuditEntry, 'changes'>> {
  seq: string;
  id: string;
  occurredAt: Date;
  changes: NewAuditEntry['changes'];
  prevHash: string;
  hash: string;
}

/** Which entries: every filter given must match; `from` is inclusive, `to` exclusive. */
export interface AuditFilters {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
}

export interface AuditQuery extends AuditFilters {
  /** Entries after this sequence number (the previous page's `nextCursor`). */
  afterSeq?: string;
  limit: number;
}

export interface AuditVerification {
  valid: boolean;
  checked: number;
  /** The first entry whose hash or link does not match, when the chain is broken. */
  firstBroken: { seq: string; id: string; reason: 'hash' | 'link' } | null;
}
