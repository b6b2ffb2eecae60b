import { Injectable } from '@nestjs/common';
import { Database, MfaRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { UserPrincipal } from '../../identity/principal';
import { TokenState } from '../../identity/token-state';
import { MfaChangeNotice } from '../mfa/mfa-change-notice';
import { generateRecoveryCodes, hashRecoveryCode } from '../mfa/recovery-codes';
import { SecretBox, TOTP_SECRET_PURPOSE } from '../mfa/secret-box';
import { matchTotpStep } from '../mfa/totp';
import { ConfirmCurrentPassword } from './confirm-current-password';

export interface EnableTotpInput {
  principal: UserPrincipal;
  password: string;
  /** A code of the pending secret, proving the authenticator holds it. */
  code: string;
}

/**
 * Turns the pending secret (SetUpTotp) on with one of its codes, and hands out the recovery codes,
 * shown once and stored hashed. Needs the current password; the owner is mailed.
 */
@Injectable()
export class EnableTotp {
  constructor(
    private readonly database: Database,
    private readonly mfa: MfaRepository,
    private readonly box: SecretBox,
    private readonly confirmPassword: ConfirmCurrentPassword,
    private readonly notice: MfaChangeNotice,
    private readonly state: TokenState,
  ) {}

  async execute({ principal, password, code }: EnableTotpInput): Promise<{ recoveryCodes: string[] }> {
    await this.confirmPassword.execute({ principal, password });
    const state = await this.mfa.state(principal.userId);
    if (state?.enabledAt)
      throw new DomainError('mfa_already_enabled', 409, 'Two-factor authentication is already on.');
    if (!state?.sealedPendingSecret)
      throw new DomainError('mfa_not_set_up', 409, 'Start with POST /v1/auth/mfa/totp/setup.');
    const step = matchTotpStep(this.box.open(state.sealedPendingSecret, TOTP_SECRET_PURPOSE), code);
    if (step === null) throw new DomainError('invalid_mfa_code', 400, 'The code is wrong or expired.');
    const recoveryCodes = generateRecoveryCodes();
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      if (!(await this.mfa.enable(principal.userId, state.sealedPendingSecret ?? '', step, tx))) {
        throw new DomainError('mfa_not_set_up', 409, 'The enrolment changed meanwhile; start again.');
      }
      await this.mfa.replaceRecoveryCodes(principal.userId, recoveryCodes.map(hashRecoveryCode), tx);
      await this.notice.record(principal.userId, 'enabled', unit);
      // `/me` answers from the cached account: it must show MFA on from the next request.
      unit.afterCommit(() => this.state.forgetUser(principal.userId));
    });
    return { recoveryCodes };
  }
}
