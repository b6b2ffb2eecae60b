import { Injectable } from '@nestjs/common';
import { AuditLog } from '@rampart/audit';
import { Database, MfaRepository, type SealedTotpColumn } from '@rampart/db';
import { SecretBox, SecretBoxError, TOTP_SECRET_PURPOSE } from '../mfa/secret-box';

/** Users per transaction: small enough for short row locks while the API serves, large enough to be quick. */
const DEFAULT_BATCH_SIZE = 200;

export interface ResealMfaSecretsInput {
  batchSize?: number;
}

/** What a run did, counted in sealed values (a user can have an enabled and a pending secret). */
export interface ResealReport {
  /** The id of the key everything is now sealed under. */
  keyId: string;
  /** Opened with an old key (or the v1 format) and sealed again under the current key. */
  resealed: number;
  /** Changed by the user meanwhile (enrolled again, disabled): their new value is already current. */
  changedMeanwhile: number;
  /** Opened by no configured key: left as they are; the users must enrol again (an admin MFA reset). */
  unreadable: { userId: string; column: SealedTotpColumn }[];
}

/**
 * Re-seals every TOTP secret (enabled and pending) that is not yet under the current
 * MFA_ENCRYPTION_KEY, opening it with the key its id names (MFA_PREVIOUS_ENCRYPTION_KEYS during the
 * rotation) or, for v1 values, with whichever configured key opens it. One transaction per batch, and
 * each value is replaced only if it is still the one read, so it can run while the API serves;
 * running it again finds nothing left to do. Secrets are never logged or reported, only counts and
 * user ids.
 */
@Injectable()
export class ResealMfaSecrets {
  constructor(
    private readonly database: Database,
    private readonly mfa: MfaRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditLog,
  ) {}

  async execute({ batchSize = DEFAULT_BATCH_SIZE }: ResealMfaSecretsInput = {}): Promise<ResealReport> {
    const report: ResealReport = {
      keyId: this.box.currentKeyId,
      resealed: 0,
      changedMeanwhile: 0,
      unreadable: [],
    };
    let after: string | null = null;
    for (;;) {
      const batch = await this.mfa.sealedNotUnder(this.box.currentPrefix, after, batchSize);
      if (!batch.length) break;
      after = batch[batch.length - 1]?.userId ?? null;
      await this.database.transaction(async (tx) => {
        for (const user of batch) {
          const values: [SealedTotpColumn, string | null][] = [
            ['secret', user.sealedSecret],
            ['pendingSecret', user.sealedPendingSecret],
          ];
          for (const [column, sealed] of values) {
            if (sealed === null || this.box.isCurrent(sealed)) continue;
            let resealed: string;
            try {
              resealed = this.box.seal(this.box.open(sealed, TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE);
            } catch (error) {
              if (!(error instanceof SecretBoxError)) throw error;
              report.unreadable.push({ userId: user.userId, column });
              continue;
            }
            if (await this.mfa.replaceSealed(user.userId, column, sealed, resealed, tx)) report.resealed += 1;
            else report.changedMeanwhile += 1;
          }
        }
      });
    }
    if (report.resealed > 0 || report.unreadable.length > 0) {
      await this.audit.record({
        actor: 'system:cli',
        action: 'auth.mfa_secrets_resealed',
        changes: {
          after: {
            keyId: report.keyId,
            resealed: report.resealed,
            changedMeanwhile: report.changedMeanwhile,
            unreadable: report.unreadable.length,
          },
        },
      });
    }
    return report;
  }
}
