import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuditLogRepository, type DbTransaction, type NewAuditEntry } from '@rampart/db';
import type { AuditAction, AuditTargetOf } from './audit-actions';

/**
 * Who acted: a signed-in caller or a known user (its role when known), a service credential, a
 * system component, or nobody known.
 */
export type AuditActor =
  { userId: string; role?: string | null } | `service:${string}` | `system:${string}` | 'anonymous';

/** One fact to record; `target` must be of the type the action lists. */
export interface AuditEvent<A extends AuditAction = AuditAction> {
  actor: AuditActor;
  action: A;
  target?: AuditTargetOf<A>;
  changes?: NewAuditEntry['changes'];
  outcome?: NewAuditEntry['outcome'];
}

/** Where the recorded change came from: the request of an API call; nothing for a job. */
export interface AuditOrigin {
  requestId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
}

/**
 * Supplies the origin of the change being recorded. The API provides one that reads its request
 * context; the worker provides none, and its entries carry no request data.
 */
export interface AuditOriginSource {
  current(): AuditOrigin | undefined;
}

export const AUDIT_ORIGIN = Symbol('AUDIT_ORIGIN');

/**
 * Writes audit entries, for both apps. Pass the transaction of the change being recorded: the entry
 * and the change then commit together or not at all.
 */
@Injectable()
export class AuditLog {
  constructor(
    private readonly repository: AuditLogRepository,
    @Optional() @Inject(AUDIT_ORIGIN) private readonly origin?: AuditOriginSource,
  ) {}

  async record<A extends AuditAction>(event: AuditEvent<A>, tx?: DbTransaction): Promise<void> {
    await this.repository.append(this.entry(event), tx);
  }

  /**
   * The entry `record` would append, with the current request's origin: for a repository that
   * appends it inside a statement of its own (AuditLogRepository's `auditAppendCall`).
   */
  entry<A extends AuditAction>(event: AuditEvent<A>): NewAuditEntry {
    const origin = this.origin?.current();
    const actor =
      typeof event.actor === 'string'
        ? { actor: event.actor, actorId: null, actorRole: null }
        : {
            actor: `user:${event.actor.userId}`,
            actorId: event.actor.userId,
            actorRole: event.actor.role ?? null,
          };
    return {
      ...actor,
      action: event.action,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      changes: event.changes ?? null,
      outcome: event.outcome ?? 'success',
      ipAddress: origin?.ipAddress ?? null,
      userAgent: origin?.userAgent ?? null,
      requestId: origin?.requestId ?? null,
    };
  }
}
