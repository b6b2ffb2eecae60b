import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { MfaRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import type { UserPrincipal } from '../../identity/principal';
import { totpQrSvg } from '../mfa/qr-code';
import { SecretBox, TOTP_SECRET_PURPOSE } from '../mfa/secret-box';
import { generateTotpSecret, totpKeyUri } from '../mfa/totp';
import { ConfirmCurrentPassword } from './confirm-current-password';

export interface SetUpTotpInput {
  principal: UserPrincipal;
  /** The current password: starting over replaces the pending secret. */
  password: string;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
  qrSvg: string;
}

/**
 * Starts a TOTP enrolment: a new pending secret, sealed at rest (SecretBox) and shown once, which
 * EnableTotp turns on. It needs the current password: with a token alone, an attacker could plant a
 * secret of their own and lock the owner out for good.
 */
@Injectable()
export class SetUpTotp {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly box: SecretBox,
    private readonly config: ApiConfig,
    private readonly confirmPassword: ConfirmCurrentPassword,
  ) {}

  async execute({ principal, password }: SetUpTotpInput): Promise<TotpSetup> {
    const user = await this.confirmPassword.execute({ principal, password });
    if (user.mfaEnabledAt)
      throw new DomainError('mfa_already_enabled', 409, 'Two-factor authentication is already on.');
    const secret = generateTotpSecret();
    await this.mfa.setPendingSecret(user.id, this.box.seal(secret, TOTP_SECRET_PURPOSE));
    const otpauthUri = totpKeyUri(secret, user.email, this.config.mfa.issuer);
    return { secret, otpauthUri, qrSvg: await totpQrSvg(otpauthUri) };
  }
}
