// What a use case leaves in PostgreSQL, read with plain SQL for a spec's assertions.
import type { SqlReader } from './data-stores';

export interface AuditRow extends Record<string, unknown> {
  actor: string;
  action: string;
  target_type: string | null;
  outcome: string;
}

/** The audit entries about one target (a user or a session), oldest first. */
export function auditEntriesAbout(db: SqlReader, targetId: string): Promise<AuditRow[]> {
  return db.rows<AuditRow>(
    'SELECT actor, action, target_type, outcome FROM audit_log WHERE target_id = $1 ORDER BY seq',
    [targetId],
  );
}

export interface OutboxRow extends Record<string, unknown> {
  id: string;
  template: string;
  status: string;
  params: Record<string, unknown>;
}

/** The outbox mails to one address, oldest first. */
export function outboxMailsTo(db: SqlReader, email: string): Promise<OutboxRow[]> {
  return db.rows<OutboxRow>(
    'SELECT id, template, status::text AS status, params FROM email_outbox WHERE recipient = $1 ORDER BY created_at',
    [email],
  );
}

export interface UserRow extends Record<string, unknown> {
  id: string;
  status: string;
  password_hash: string;
  email_verified_at: Date | null;
}

/** The account of an address, or undefined. */
export async function userByEmail(db: SqlReader, email: string): Promise<UserRow | undefined> {
  const [user] = await db.rows<UserRow>(
    'SELECT id, status::text AS status, password_hash, email_verified_at FROM users WHERE email = $1',
    [email],
  );
  return user;
}
