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
import { TotpEnrolment } from './mfa/totp-enrolment';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionTokens } from './tokens/session-tokens';
import { ChangePassword } from './use-cases/change-password';
import { CompleteMfaLogin } from './use-cases/complete-mfa-login';
import { ConfirmCurrentPassword } from './use-cases/confirm-current-password';
import { LogIn } from './use-cases/log-in';
import { LoginLockout } from './login-lockout';
import { LogOut } from './use-cases/log-out';
import { LogOutEverywhere } from './use-cases/log-out-everywhere';
import { RefreshSession } from './use-cases/refresh-session';
import { RegisterAccount } from './use-cases/register-account';
import { RequestPasswordReset } from './use-cases/request-password-reset';
import { ResendVerification } from './use-cases/resend-verification';
import { ResetPassword } from './use-cases/reset-password';
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
    TotpEnrolment,
    CompleteMfaLogin,
  ],
})
export class AuthModule {}
