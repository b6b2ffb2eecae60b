import { Injectable } from '@nestjs/common';
import { type AuditAction, AuditLog } from '@rampart/audit';
import { type UnitOfWork, UserRepository } from '@rampart/db';
import type { MfaChange } from '@rampart/email';
import { EmailOutbox } from '@rampart/outbox';

/** The audit action of each MFA change the owner is mailed about. */
const MFA_CHANGE_ACTIONS = {
  enabled: 'auth.mfa_enabled',
  disabled: 'auth.mfa_disabled',
  'recovery-codes-regenerated': 'auth.mfa_recovery_codes_regenerated',
} as const satisfies Record<MfaChange, AuditAction>;

/**
 * Records a change to a user's own MFA and mails the owner about it, in the change's unit of work:
 * a change the owner did not make cannot go unnoticed, and no mail goes out for one that rolled back.
 */
@Injectable()
export class MfaChangeNotice {
  constructor(
    private readonly users: UserRepository,
    private readonly audit: AuditLog,
    private readonly outbox: EmailOutbox,
  ) {}

  async record(userId: string, change: MfaChange, unit: UnitOfWork): Promise<void> {
    const user = await this.users.findById(userId, unit.tx);
    if (!user) return;
    await this.audit.record(
      {
        actor: { userId },
        action: MFA_CHANGE_ACTIONS[change],
        target: { type: 'user', id: userId },
      },
      unit.tx,
    );
    await this.outbox.stage(unit, [
      { to: user.email, template: 'mfa-changed', params: { change, occurredAt: new Date().toISOString() } },
    ]);
  }
}
