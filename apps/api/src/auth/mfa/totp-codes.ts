import { Injectable } from '@nestjs/common';
import { MfaRepository, type UserWithPassword } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { normaliseEmail } from '@rampart/identity';
import { LoginLockout } from '../login-lockout';
import { SecretBox, TOTP_SECRET_PURPOSE } from './secret-box';
import { matchTotpStep } from './totp';

/** Checks codes of a user's active TOTP secret, for the MFA sign-in and for changes to an enrolment. */
@Injectable()
export class TotpCodes {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly box: SecretBox,
    private readonly lockout: LoginLockout,
  ) {}

  /** A valid code of the active secret, accepted once (its step must be newer than the last used). */
  async requireCurrent(userId: string, code: string): Promise<void> {
    const state = await this.mfa.state(userId);
    if (!state?.sealedSecret)
      throw new DomainError('mfa_not_enabled', 409, 'Two-factor authentication is off.');
    const step = matchTotpStep(this.box.open(state.sealedSecret, TOTP_SECRET_PURPOSE), code);
    if (step === null || !(await this.mfa.acceptStep(userId, step))) {
      throw new DomainError('invalid_mfa_code', 400, 'The code is wrong, expired or already used.');
    }
  }

  /**
   * requireCurrent, with a wrong code counted like a failed sign-in and a right one taken back: a
   * known password buys no free guesses at the code.
   */
  async requireCounted(user: UserWithPassword, code: string): Promise<void> {
    const email = normaliseEmail(user.email);
    const charge = await this.lockout.charge(email);
    try {
      await this.requireCurrent(user.id, code);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_mfa_code') {
        await this.lockout.failed(email, user, charge);
      } else {
        await this.lockout.resolved(email);
      }
      throw error;
    }
    await this.lockout.resolved(email);
  }
}
