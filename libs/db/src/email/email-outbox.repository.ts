import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { RuntimeConfig } from '@rampart/config';
import type { EmailOutbox as EmailOutboxRow, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type { NewOutboxEmail, OutboxClaim, OutboxEmail } from './outbox-email';

function toEmail(row: EmailOutboxRow): OutboxEmail {
  return {
    id: row.id,
    recipient: row.recipient,
    template: row.template,
    params: (row.params ?? {}) as Record<string, unknown>,
    messageId: row.messageId,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
  };
}

/** Longest error text kept on a row: enough for an SMTP reply, not a whole stack. */
const MAX_ERROR_LENGTH = 1_000;

@Injectable()
export class EmailOutboxRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: RuntimeConfig,
  ) {}

  /** Writes mails to the outbox, inside the caller's transaction when one is given. */
  async add(emails: NewOutboxEmail[], tx?: DbTransaction): Promise<OutboxEmail[]> {
    const client = clientOf(this.prisma, tx);
    const rows = emails.map((email) => {
      const id = randomUUID();
      return {
        id,
        recipient: email.recipient,
        template: email.template,
        params: email.params as Prisma.InputJsonObject,
        messageId: `<${id}@${this.config.emailMessageIdDomain}>`,
      };
    });
    const created = await client.emailOutbox.createManyAndReturn({ data: rows });
    return created.map(toEmail);
  }

  async find(id: string): Promise<OutboxEmail | null> {
    const row = await this.prisma.emailOutbox.findUnique({ where: { id } });
    return row ? toEmail(row) : null;
  }

  /**
   * Takes a pending mail for sending, with a lease of `leaseMs` during which no other worker may
   * take it. One atomic UPDATE, so two workers racing for the same row cannot both win.
   */
  async claim(id: string, leaseMs: number): Promise<OutboxClaim> {
    const claimed = await this.prisma.$queryRaw<EmailOutboxRow[]>`
      UPDATE email_outbox
         SET attempts = attempts + 1,
             last_attempt_at = clock_timestamp(),
             leased_until = clock_timestamp() + make_interval(secs => ${leaseMs / 1000}::float8)
       WHERE id = ${id}::uuid
         AND status = 'pending'
         AND (leased_until IS NULL OR leased_until < clock_timestamp())
      RETURNING id`;
    const row = await this.prisma.emailOutbox.findUnique({ where: { id } });
    if (!row) return { kind: 'missing' };
    if (claimed.length) return { kind: 'claimed', email: toEmail(row) };
    if (row.status === 'sent' || row.status === 'failed') return { kind: row.status, email: toEmail(row) };
    return { kind: 'leased' };
  }

  /** Sent: the lease ends and the parameters (which may hold one-time tokens) are wiped. */
  async markSent(id: string): Promise<void> {
    await this.prisma.emailOutbox.update({
      where: { id },
      data: { status: 'sent', sentAt: new Date(), leasedUntil: null, params: {}, lastError: null },
    });
  }

  /** Failed for good (a permanent SMTP refusal, or retries exhausted), with the reason. */
  async markFailed(id: string, reason: string): Promise<void> {
    await this.prisma.emailOutbox.update({
      where: { id },
      data: {
        status: 'failed',
        failedAt: new Date(),
        leasedUntil: null,
        params: {},
        lastError: reason.slice(0, MAX_ERROR_LENGTH),
      },
    });
  }

  /** A try failed but another will come: record why and release the lease at once. */
  async releaseAfterError(id: string, reason: string): Promise<void> {
    await this.prisma.emailOutbox.update({
      where: { id },
      data: { leasedUntil: null, lastError: reason.slice(0, MAX_ERROR_LENGTH) },
    });
  }

  /** Pending mails older than `ageMs` and not leased: candidates whose send job may have been lost. */
  async findStalePending(ageMs: number, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM email_outbox
       WHERE status = 'pending'
         AND created_at < clock_timestamp() - make_interval(secs => ${ageMs / 1000}::float8)
         AND (leased_until IS NULL OR leased_until < clock_timestamp())
       ORDER BY created_at
       LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  /** Deletes sent mails older than `days`; returns how many. */
  async purgeSentOlderThan(days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 24 * 3_600_000);
    const { count } = await this.prisma.emailOutbox.deleteMany({
      where: { status: 'sent', sentAt: { lt: cutoff } },
    });
    return count;
  }
}
