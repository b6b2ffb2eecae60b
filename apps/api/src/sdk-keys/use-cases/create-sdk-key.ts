import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, type SdkKey, type SdkKeyKind, SdkKeyRepository } from '@rampart/db';
import { ChangeFeed } from '@rampart/jobs';
import { type Principal, actorOf } from '../../identity/principal';
import { newSdkKey } from '../../identity/sdk-key-format';

export interface CreateSdkKeyInput {
  actor: Principal;
  name: string;
  kind: SdkKeyKind;
}

/** Issues an SDK key: stored hashed, audited, announced to every process; the key itself is returned once. */
@Injectable()
export class CreateSdkKey {
  constructor(
    private readonly database: Database,
    private readonly keys: SdkKeyRepository,
    private readonly audit: AuditLog,
    private readonly changes: ChangeFeed,
  ) {}

  execute({ actor, name, kind }: CreateSdkKeyInput): Promise<{ record: SdkKey; key: string }> {
    const issued = newSdkKey(kind);
    return this.database.unitOfWork(async ({ tx, afterCommit }) => {
      const record = await this.keys.create(
        {
          name,
          kind,
          keyHash: issued.hash,
          prefix: issued.prefix,
          createdById: actor.kind === 'user' ? actor.userId : null,
        },
        tx,
      );
      await this.audit.record(
        {
          actor: actorOf(actor),
          action: 'sdk_key.created',
          target: { type: 'sdk_key', id: record.id },
          changes: { after: { name, kind, prefix: issued.prefix } },
        },
        tx,
      );
      afterCommit(async () => {
        await this.changes.publish('sdk-keys.changed', { keyId: record.id });
      });
      return { record, key: issued.key };
    });
  }
}
