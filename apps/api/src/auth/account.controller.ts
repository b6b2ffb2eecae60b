import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public, RequirePermission } from '../access/access.decorators';
import { CurrentUser } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { UserPrincipal } from '../identity/principal';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { UserDto } from '../users/dto/user.dto';
import { ConfirmsCurrentPassword } from './confirms-current-password.decorator';
import { ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from './dto/password.dto';
import { AcceptedDto, RegisterDto } from './dto/register.dto';
import { ResendVerificationDto } from './dto/resend-verification.dto';
import { VerifiedDto, VerifyEmailDto } from './dto/verify-email.dto';
import { ChangePassword } from './use-cases/change-password';
import { GetOwnAccount } from './use-cases/get-own-account';
import { RegisterAccount } from './use-cases/register-account';
import { RequestPasswordReset } from './use-cases/request-password-reset';
import { ResendVerification } from './use-cases/resend-verification';
import { ResetPassword } from './use-cases/reset-password';
import { VerifyEmail } from './use-cases/verify-email';

/** One answer for every accepted sign-up or resend, whether or not the address has an account. */
const ACCEPTED: AcceptedDto = {
  status: 'accepted',
  message: 'If this address can be used, a mail with the next step is on its way.',
};

/** An account's life: signing up and verifying the address, the password, the own profile. */
@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AccountController {
  constructor(
    private readonly registerAccount: RegisterAccount,
    private readonly verifyEmail: VerifyEmail,
    private readonly resendVerification: ResendVerification,
    private readonly getOwnAccount: GetOwnAccount,
    private readonly requestPasswordReset: RequestPasswordReset,
    private readonly resetPassword: ResetPassword,
    private readonly changePassword: ChangePassword,
  ) {}

  @Post('register')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: AcceptedDto,
    description:
      'The same answer, in the same time, for new, pending and existing addresses; the worker does the rest. ' +
      'A new sign-up of a pending (unverified) address replaces its password and retires its earlier links.',
  })
  @ApiBadRequestResponse({
    description: 'problem+json `validation_failed`, naming the password rule that failed.',
  })
  async register(@Body() body: RegisterDto, @Req() request: FastifyRequest): Promise<AcceptedDto> {
    await this.registerAccount.execute({ ...body, remoteIp: request.ip });
    return ACCEPTED;
  }

  @Post('verify-email')
  @Public()
  // It checks a password now, so it is limited like sign-in.
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: VerifiedDto })
  @ApiBadRequestResponse({
    description:
      'problem+json `invalid_token` for unknown, used and expired tokens and a wrong password alike.',
  })
  @ApiTooManyRequestsResponse({
    description: '`account_locked`: wrong passwords here count toward the sign-in lockout of the address.',
  })
  async verify(@Body() body: VerifyEmailDto): Promise<VerifiedDto> {
    await this.verifyEmail.execute(body);
    return { status: 'verified' };
  }

  @Post('resend-verification')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Always 202, in the same time for every address.' })
  async resend(@Body() body: ResendVerificationDto): Promise<AcceptedDto> {
    await this.resendVerification.execute(body);
    return ACCEPTED;
  }

  @Get('me')
  @RequirePermission(Permission.SelfRead)
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() principal: UserPrincipal): Promise<UserDto> {
    return UserDto.of(await this.getOwnAccount.execute({ principal }));
  }

  @Post('password/forgot')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: AcceptedDto,
    description: 'Always 202, in the same time for known and unknown addresses.',
  })
  async passwordForgot(@Body() body: ForgotPasswordDto): Promise<AcceptedDto> {
    await this.requestPasswordReset.execute(body);
    return ACCEPTED;
  }

  @Post('password/reset')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password set; every session of the account ended.' })
  @ApiBadRequestResponse({ description: '`invalid_token`, or `validation_failed` naming the password rule.' })
  async passwordReset(@Body() body: ResetPasswordDto): Promise<void> {
    await this.resetPassword.execute(body);
  }

  @Post('password/change')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed; every other session ended.' })
  async passwordChange(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.changePassword.execute({ principal, ...body });
  }
}
