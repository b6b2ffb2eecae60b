import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { AuthController } from './auth.controller';
import { PasswordHasher } from './passwords/password-hasher';
import { RegisterAccount } from './use-cases/register-account';
import { ResendVerification } from './use-cases/resend-verification';
import { VerifyEmail } from './use-cases/verify-email';

@Module({
  imports: [EmailModule],
  controllers: [AuthController],
  providers: [PasswordHasher, RegisterAccount, VerifyEmail, ResendVerification],
})
export class AuthModule {}
