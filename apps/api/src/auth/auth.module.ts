import { Module } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { CaptchaGate } from './captcha/captcha-gate';
import { CaptchaVerifier } from './captcha/captcha-verifier';
import { createCaptchaVerifier } from './captcha/captcha-verifier.factory';
import { EmailModule } from '../email/email.module';
import { AccountRequests } from './account-requests';
import { AuthController } from './auth.controller';
import { MfaChallenges } from './mfa/mfa-challenges';
import { SecretBox } from './mfa/secret-box';
import { MfaChangeNotice } from './mfa/mfa-change-notice';
import { TotpCodes } from './mfa/totp-codes';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionTokens } from './tokens/session-tokens';
import { ChangePassword } from './use-cases/change-password';
import { CompleteMfaLogin } from './use-cases/complete-mfa-login';
import { DisableTotp } from './use-cases/disable-totp';
import { EnableTotp } from './use-cases/enable-totp';
import { ConfirmCurrentPassword } from './use-cases/confirm-current-password';
import { LogIn } from './use-cases/log-in';
import { LoginLockout } from './login-lockout';
import { LogOut } from './use-cases/log-out';
import { LogOutEverywhere } from './use-cases/log-out-everywhere';
import { RefreshSession } from './use-cases/refresh-session';
import { RegenerateRecoveryCodes } from './use-cases/regenerate-recovery-codes';
import { RegisterAccount } from './use-cases/register-account';
import { RequestPasswordReset } from './use-cases/request-password-reset';
import { ResendVerification } from './use-cases/resend-verification';
import { ResetPassword } from './use-cases/reset-password';
import { SetUpTotp } from './use-cases/set-up-totp';
import { VerifyEmail } from './use-cases/verify-email';

@Module({
  imports: [EmailModule],
  controllers: [AuthController],
  providers: [
    {
      provide: CaptchaVerifier,
      useFactory: (config: ApiConfig) => createCaptchaVerifier(config.captcha),
      inject: [ApiConfig],
    },
    CaptchaGate,
    AccountRequests,
    PasswordHasher,
    SessionTokens,
    RegisterAccount,
    VerifyEmail,
    ResendVerification,
    LogIn,
    LoginLockout,
    RefreshSession,
    LogOut,
    LogOutEverywhere,
    RequestPasswordReset,
    ResetPassword,
    ChangePassword,
    ConfirmCurrentPassword,
    SecretBox,
    MfaChallenges,
    TotpCodes,
    MfaChangeNotice,
    SetUpTotp,
    EnableTotp,
    DisableTotp,
    RegenerateRecoveryCodes,
    CompleteMfaLogin,
  ],
})
export class AuthModule {}
