import { Module } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { EmailModule } from '../email/email.module';
import { AccountController } from './account.controller';
import { AccountRequests } from './account-requests';
import { AuthMetrics } from './auth.metrics';
import { CaptchaGate } from './captcha/captcha-gate';
import { CaptchaVerifier } from './captcha/captcha-verifier';
import { createCaptchaVerifier } from './captcha/captcha-verifier.factory';
import { LoginLockout } from './login-lockout';
import { MfaController } from './mfa.controller';
import { MfaChallenges } from './mfa/mfa-challenges';
import { MfaChangeNotice } from './mfa/mfa-change-notice';
import { SecretBox } from './mfa/secret-box';
import { TotpCodes } from './mfa/totp-codes';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionController } from './session.controller';
import { SessionTokens } from './tokens/session-tokens';
import { ChangePassword } from './use-cases/change-password';
import { CheckSession } from './use-cases/check-session';
import { CompleteMfaLogin } from './use-cases/complete-mfa-login';
import { ConfirmCurrentPassword } from './use-cases/confirm-current-password';
import { DisableTotp } from './use-cases/disable-totp';
import { EnableTotp } from './use-cases/enable-totp';
import { GetOwnAccount } from './use-cases/get-own-account';
import { LogIn } from './use-cases/log-in';
import { LogOut } from './use-cases/log-out';
import { LogOutEverywhere } from './use-cases/log-out-everywhere';
import { RefreshSession } from './use-cases/refresh-session';
import { RegenerateRecoveryCodes } from './use-cases/regenerate-recovery-codes';
import { RegisterAccount } from './use-cases/register-account';
import { RequestPasswordReset } from './use-cases/request-password-reset';
import { ResendVerification } from './use-cases/resend-verification';
import { ResealMfaSecrets } from './use-cases/reseal-mfa-secrets';
import { ResetPassword } from './use-cases/reset-password';
import { RevokeAllSessions } from './use-cases/revoke-all-sessions';
import { SetUpTotp } from './use-cases/set-up-totp';
import { VerifyEmail } from './use-cases/verify-email';

@Module({
  imports: [EmailModule],
  controllers: [AccountController, SessionController, MfaController],
  providers: [
    {
      provide: CaptchaVerifier,
      useFactory: (config: ApiConfig) => createCaptchaVerifier(config.captcha),
      inject: [ApiConfig],
    },
    CaptchaGate,
    AuthMetrics,
    AccountRequests,
    PasswordHasher,
    SessionTokens,
    LoginLockout,
    SecretBox,
    MfaChallenges,
    TotpCodes,
    MfaChangeNotice,
    // Account
    RegisterAccount,
    VerifyEmail,
    ResendVerification,
    GetOwnAccount,
    RequestPasswordReset,
    ResetPassword,
    ChangePassword,
    ConfirmCurrentPassword,
    // Session
    LogIn,
    CompleteMfaLogin,
    RefreshSession,
    CheckSession,
    LogOut,
    LogOutEverywhere,
    // MFA
    SetUpTotp,
    EnableTotp,
    DisableTotp,
    RegenerateRecoveryCodes,
    // Operator commands (apps/api/src/cli): key rotation and the breach response
    ResealMfaSecrets,
    RevokeAllSessions,
  ],
})
export class AuthModule {}
