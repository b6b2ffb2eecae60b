import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AcceptedDto, RegisterDto } from './dto/register.dto';
import { ResendVerificationDto } from './dto/resend-verification.dto';
import { VerifiedDto, VerifyEmailDto } from './dto/verify-email.dto';
import { RegisterAccount } from './use-cases/register-account';
import { ResendVerification } from './use-cases/resend-verification';
import { VerifyEmail } from './use-cases/verify-email';

/** One answer for every accepted sign-up or resend, whether or not the address has an account. */
const ACCEPTED: AcceptedDto = {
  status: 'accepted',
  message: 'If this address can be used, a mail with the next step is on its way.',
};

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(
    private readonly registerAccount: RegisterAccount,
    private readonly verifyEmail: VerifyEmail,
    private readonly resendVerification: ResendVerification,
  ) {}

  @Post('register')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'The same answer for new and existing addresses.' })
  @ApiBadRequestResponse({
    description: 'problem+json `validation_failed`, naming the password rule that failed.',
  })
  async register(@Body() body: RegisterDto): Promise<AcceptedDto> {
    await this.registerAccount.execute(body);
    return ACCEPTED;
  }

  @Post('verify-email')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: VerifiedDto })
  @ApiBadRequestResponse({
    description: 'problem+json `invalid_token` for unknown, used and expired tokens alike.',
  })
  async verify(@Body() body: VerifyEmailDto): Promise<VerifiedDto> {
    await this.verifyEmail.execute(body.token);
    return { status: 'verified' };
  }

  @Post('resend-verification')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto })
  async resend(@Body() body: ResendVerificationDto): Promise<AcceptedDto> {
    await this.resendVerification.execute(body.email);
    return ACCEPTED;
  }
}
