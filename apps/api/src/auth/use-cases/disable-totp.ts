import { Injectable } from '@nestjs/common';
import { Database, MfaRepository } from '@rampart/db';
import type { UserPrincipal } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { MfaChangeNotice } from '../mfa/mfa-change-notice';
import { TotpCodes } from '../mfa/totp-codes';
import { ConfirmCurrentPassword } from './confirm-current-password';

export interface DisableTotpInput {
  principal: UserPrincipal;
  password: string;
  /** A fresh code of the active secret; a wrong one counts like a failed sign-in. */
  code: string;
}

/**
 * Turns TOTP off; the recovery codes go with it and the owner is mailed. Needs the current password
 * and a fresh code: a stolen access token, or a stolen password alone, cannot remove the factor.
 */
@Injectable()
export class DisableTotp {
  constructor(
    private readonly database: Database,
    private readonly mfa: MfaRepository,
    private readonly confirmPassword: ConfirmCurrentPassword,
    private readonly codes: TotpCodes,
    private readonly notice: MfaChangeNotice,
    private readonly state: TokenState,
  ) {}

  async execute({ principal, password, code }: DisableTotpInput): Promise<void> {
    const user = await this.confirmPassword.execute({ principal, password });
    await this.codes.requireCounted(user, code);
    await this.database.unitOfWork(async (unit) => {
      await this.mfa.disable(principal.userId, unit.tx);
      await this.notice.record(principal.userId, 'disabled', unit);
      // `/me` answers from the cached account: it must show MFA off from the next request.
      unit.afterCommit(() => this.state.forgetUser(principal.userId));
    });
  }
}
