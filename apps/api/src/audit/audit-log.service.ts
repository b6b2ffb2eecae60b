import { Injectable } from '@nestjs/common';
import { AuditLogRepository, type DbTransaction, type NewAuditEntry } from '@rampart/db';
import type { Principal } from '../auth/tokens/principal';
import { requestContext } from '../common/http/request-context';

export interface AuditEvent {
  /** The signed-in caller, a known user id (sign-in events), or a system component. */
  actor: Principal | { userId: string; role?: string | null } | `system:${string}` | 'anonymous';
  action: string;
  target?: { type: string; id: string };
  changes?: NewAuditEntry['changes'];
  outcome?: NewAuditEntry['outcome'];
}

/**
 * Writes audit entries with the request's id and client address filled in. Pass the transaction of
 * the change being recorded: the entry and the change then commit together or not at all.
 */
@Injectable()
export class AuditLog {
  constructor(private readonly repository: AuditLogRepository) {}

  async record(event: AuditEvent, tx?: DbTransaction): Promise<void> {
    const context = requestContext.getStore();
    const actor =
      typeof event.actor === 'string'
        ? { actor: event.actor, actorId: null, actorRole: null }
        : {
            actor: `user:${event.actor.userId}`,
            actorId: event.actor.userId,
            actorRole: 'role' in event.actor ? (event.actor.role ?? null) : null,
          };
    await this.repository.append(
      {
        ...actor,
        action: event.action,
        targetType: event.target?.type ?? null,
        targetId: event.target?.id ?? null,
        changes: event.changes ?? null,
        outcome: event.outcome ?? 'success',
        ipAddress: context?.ipAddress ?? null,
        userAgent: context?.userAgent ?? null,
        requestId: context?.requestId ?? null,
      },
      tx,
    );
  }
}
