import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, SdkKeyRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { ChangeFeed } from '@rampart/jobs';
import { type Principal, actorOf } from '../../identity/principal';

export interface RevokeSdkKeyInput {
  actor: Principal;
  keyId: string;
}

/** Revokes an SDK key everywhere: every process drops it on the announcement (or within seconds without one). */
@Injectable()
export class RevokeSdkKey {
  constructor(
    private readonly database: Database,
    private readonly keys: SdkKeyRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  async execute({ actor, keyId }: RevokeSdkKeyInput): Promise<void> {
    await this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const revoked = await this.keys.revoke(keyId, tx);
      if (!revoked) {
        throw new DomainError('sdk_key_not_found', 404, 'There is no active SDK key with this id.');
      }
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'sdk_key.revoked',
          target: { type: 'sdk_key', id: keyId },
          changes: { before: { name: revoked.name, kind: revoked.kind, prefix: revoked.prefix } },
        },
        tx,
      );
      afterCommit(async () => {
        await this.changes.publish('sdk-keys.changed', { keyId });
      });
    });
  }
}
