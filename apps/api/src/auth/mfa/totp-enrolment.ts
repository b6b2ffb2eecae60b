import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { Database, MfaRepository, type UnitOfWork, UserRepository, type UserWithPassword } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { EmailOutbox } from '@rampart/outbox';
import { normaliseEmail } from '@rampart/identity';
import type { UserPrincipal } from '../../identity/principal';
import { ConfirmCurrentPassword } from '../use-cases/confirm-current-password';
import { LoginLockout } from '../login-lockout';
import { totpQrSvg } from './qr-code';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes';
import { SecretBox, TOTP_SECRET_PURPOSE } from './secret-box';
import { generateTotpSecret, matchTotpStep, totpKeyUri } from './totp';
import { type AuditAction, AuditLog } from '@rampart/audit';

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

const RECOVERY_CODE_COUNT = 10;

/** The audit action of each MFA change the owner is mailed about. */
const MFA_CHANGE_ACTIONS = {
  enabled: 'auth.mfa_enabled',
  disabled: 'auth.mfa_disabled',
  'recovery-codes-regenerated': 'auth.mfa_recovery_codes_regenerated',
} as const satisfies Record<string, AuditAction>;

/**
 * Turning TOTP on and off, and renewing recovery codes. Secrets are sealed at rest (SecretBox);
 * recovery codes are shown once and stored hashed. Every change is mailed to the owner.
 *
 * Each of these operations needs the current password in its request (ConfirmCurrentPassword,
 * counted like a sign-in), not just an access token: with a token alone, an attacker could plant a
 * secret of their own and lock the owner out for good, or take new recovery codes. Setup is included
 * because it replaces the pending secret. Disabling and renewing also need a fresh code of the
 * active secret; wrong codes there count towards the same lockout, so a known password buys no
 * free guesses at the code.
 */
@Injectable()
export class TotpEnrolment {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly mfa: MfaRepository,
    private readonly box: SecretBox,
    private readonly outbox: EmailOutbox,
    private readonly config: ApiConfig,
    private readonly audit: AuditLog,
    private readonly confirmPassword: ConfirmCurrentPassword,
    private readonly lockout: LoginLockout,
  ) {}

  async setup(principal: UserPrincipal, password: string): Promise<TotpSetup> {
    const user = await this.confirmPassword.execute({ principal, password });
    if (user.mfaEnabledAt)
      throw new DomainError('mfa_already_enabled', 409, 'Two-factor authentication is already on.');
    const secret = generateTotpSecret();
    await this.mfa.setPendingSecret(user.id, this.box.seal(secret, TOTP_SECRET_PURPOSE));
    const otpauthUri = totpKeyUri(secret, user.email, this.config.mfa.issuer);
    return { secret, otpauthUri, qrSvg: await totpQrSvg(otpauthUri) };
  }

  async enable(
    principal: UserPrincipal,
    password: string,
    code: string,
  ): Promise<{ recoveryCodes: string[] }> {
    await this.confirmPassword.execute({ principal, password });
    const state = await this.mfa.state(principal.userId);
    if (state?.enabledAt)
      throw new DomainError('mfa_already_enabled', 409, 'Two-factor authentication is already on.');
    if (!state?.sealedPendingSecret)
      throw new DomainError('mfa_not_set_up', 409, 'Start with POST /v1/auth/mfa/totp/setup.');
    const step = matchTotpStep(this.box.open(state.sealedPendingSecret, TOTP_SECRET_PURPOSE), code);
    if (step === null) throw new DomainError('invalid_mfa_code', 400, 'The code is wrong or expired.');
    const recoveryCodes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      if (!(await this.mfa.enable(principal.userId, state.sealedPendingSecret ?? '', step, tx))) {
        throw new DomainError('mfa_not_set_up', 409, 'The enrolment changed meanwhile; start again.');
      }
      await this.mfa.replaceRecoveryCodes(principal.userId, recoveryCodes.map(hashRecoveryCode), tx);
      await this.mailChange(principal.userId, 'enabled', unit);
    });
    return { recoveryCodes };
  }

  async disable(principal: UserPrincipal, password: string, code: string): Promise<void> {
    const user = await this.confirmPassword.execute({ principal, password });
    await this.requireCountedCode(user, code);
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      await this.mfa.disable(principal.userId, tx);
      await this.mailChange(principal.userId, 'disabled', unit);
    });
  }

  async regenerateRecoveryCodes(
    principal: UserPrincipal,
    password: string,
    code: string,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.confirmPassword.execute({ principal, password });
    await this.requireCountedCode(user, code);
    const recoveryCodes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
    await this.database.unitOfWork(async (unit) => {
      const { tx } = unit;
      await this.mfa.replaceRecoveryCodes(principal.userId, recoveryCodes.map(hashRecoveryCode), tx);
      await this.mailChange(principal.userId, 'recovery-codes-regenerated', unit);
    });
    return { recoveryCodes };
  }

  /** A valid code of the active secret, accepted once (its step must be newer than the last used). */
  async requireCurrentCode(userId: string, code: string): Promise<void> {
    const state = await this.mfa.state(userId);
    if (!state?.sealedSecret)
      throw new DomainError('mfa_not_enabled', 409, 'Two-factor authentication is off.');
    const step = matchTotpStep(this.box.open(state.sealedSecret, TOTP_SECRET_PURPOSE), code);
    if (step === null || !(await this.mfa.acceptStep(userId, step))) {
      throw new DomainError('invalid_mfa_code', 400, 'The code is wrong, expired or already used.');
    }
  }

  /** requireCurrentCode, with a wrong code counted like a failed sign-in and a right one taken back. */
  private async requireCountedCode(user: UserWithPassword, code: string): Promise<void> {
    const email = normaliseEmail(user.email);
    const charge = await this.lockout.charge(email);
    try {
      await this.requireCurrentCode(user.id, code);
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

  /** Records the change and mails the owner about it, in the change's unit of work. */
  private async mailChange(
    userId: string,
    change: keyof typeof MFA_CHANGE_ACTIONS,
    unit: UnitOfWork,
  ): Promise<void> {
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
