import { Injectable } from '@nestjs/common';
import { Database, MfaRepository } from '@rampart/db';
import type { UserPrincipal } from '../../identity/principal';
import { MfaChangeNotice } from '../mfa/mfa-change-notice';
import { generateRecoveryCodes, hashRecoveryCode } from '../mfa/recovery-codes';
import { TotpCodes } from '../mfa/totp-codes';
import { ConfirmCurrentPassword } from './confirm-current-password';

export interface RegenerateRecoveryCodesInput {
  principal: UserPrincipal;
  password: string;
  /** A fresh code of the active secret; a wrong one counts like a failed sign-in. */
  code: string;
}

/**
 * Replaces the recovery codes: the old ones stop working, the new ones are shown once and stored
 * hashed, and the owner is mailed. Needs the current password and a fresh code, so a stolen access
 * token cannot take a set of codes for itself.
 */
@Injectable()
export class RegenerateRecoveryCodes {
  constructor(
    private readonly database: Database,
    private readonly mfa: MfaRepository,
    private readonly confirmPassword: ConfirmCurrentPassword,
    private readonly codes: TotpCodes,
    private readonly notice: MfaChangeNotice,
  ) {}

  async execute({
    principal,
    password,
    code,
  }: RegenerateRecoveryCodesInput): Promise<{ recoveryCodes: string[] }> {
    const user = await this.confirmPassword.execute({ principal, password });
    await this.codes.requireCounted(user, code);
    const recoveryCodes = generateRecoveryCodes();
    await this.database.unitOfWork(async (unit) => {
      await this.mfa.replaceRecoveryCodes(principal.userId, recoveryCodes.map(hashRecoveryCode), unit.tx);
      await this.notice.record(principal.userId, 'recovery-codes-regenerated', unit);
    });
    return { recoveryCodes };
  }
}
