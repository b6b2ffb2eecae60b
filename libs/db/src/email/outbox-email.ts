/** A mail waiting in, or sent from, the transactional outbox. */
export interface OutboxEmail {
  id: string;
  recipient: string;
  template: string;
  params: Record<string, unknown>;
  messageId: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface NewOutboxEmail {
  recipient: string;
  template: string;
  params: Record<string, unknown>;
}

/** What claiming a row for sending found. */
export type OutboxClaim =
  | { kind: 'claimed'; email: OutboxEmail }
  | { kind: 'sent' | 'failed'; email: OutboxEmail }
  | { kind: 'leased' }
  | { kind: 'missing' };
