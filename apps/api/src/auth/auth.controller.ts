import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { LogInDto, RefreshDto, SessionStatusDto, TokenPairDto } from './dto/log-in.dto';
import {
  ConfirmedTotpCodeDto,
  MfaVerifyDto,
  RecoveryCodesDto,
  TotpSetupDto,
  TotpSetupRequestDto,
} from './dto/mfa.dto';
import { ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from './dto/password.dto';
import type { MfaChallenge } from './mfa/mfa-challenges';
import { AcceptedDto, RegisterDto } from './dto/register.dto';
import { ResendVerificationDto } from './dto/resend-verification.dto';
import { VerifiedDto, VerifyEmailDto } from './dto/verify-email.dto';
import { Public, RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { UserDto } from '../users/dto/user.dto';
import { bearerToken } from '../identity/authenticator';
import { CurrentUser } from '../identity/current-principal';
import { AccessTokens } from '../identity/access-tokens';
import { BrowserSession, type CookieSessionBody } from '../identity/browser-session';
import type { UserPrincipal } from '../identity/principal';
import type { TokenPair } from '../identity/token-pair';
import { TokenState } from '../identity/token-state';
import { clientOf } from './client-context';
import { ChangePassword } from './use-cases/change-password';
import { DisableTotp } from './use-cases/disable-totp';
import { EnableTotp } from './use-cases/enable-totp';
import { RegenerateRecoveryCodes } from './use-cases/regenerate-recovery-codes';
import { type TotpSetup, SetUpTotp } from './use-cases/set-up-totp';
import { CompleteMfaLogin } from './use-cases/complete-mfa-login';
import { LogIn } from './use-cases/log-in';
import { LogOut } from './use-cases/log-out';
import { LogOutEverywhere } from './use-cases/log-out-everywhere';
import { RefreshSession } from './use-cases/refresh-session';
import { RegisterAccount } from './use-cases/register-account';
import { RequestPasswordReset } from './use-cases/request-password-reset';
import { ResendVerification } from './use-cases/resend-verification';
import { ResetPassword } from './use-cases/reset-password';
import { VerifyEmail } from './use-cases/verify-email';

/**
 * The answers of a route that re-authenticates with the current password (ConfirmCurrentPassword):
 * a wrong password, and the lockout that wrong passwords share with sign-in.
 */
function ConfirmsCurrentPassword(): MethodDecorator {
  return applyDecorators(
    ApiUnauthorizedResponse({
      // Joined to RequirePermission's "No valid access token." by @nestjs/swagger.
      description: '`invalid_credentials`: the current password is wrong (counted like a failed sign-in).',
    }),
    ApiTooManyRequestsResponse({
      description:
        '`account_locked` with Retry-After: too many wrong passwords or codes for this account, here or at sign-in.',
    }),
  );
}

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
    private readonly logIn: LogIn,
    private readonly refreshSession: RefreshSession,
    private readonly logOut: LogOut,
    private readonly logOutEverywhere: LogOutEverywhere,
    private readonly users: UserRepository,
    private readonly accessTokens: AccessTokens,
    private readonly tokenState: TokenState,
    private readonly requestPasswordReset: RequestPasswordReset,
    private readonly resetPasswordWith: ResetPassword,
    private readonly changePassword: ChangePassword,
    private readonly browser: BrowserSession,
    private readonly setUpTotp: SetUpTotp,
    private readonly enableTotpWith: EnableTotp,
    private readonly disableTotpWith: DisableTotp,
    private readonly regenerateCodes: RegenerateRecoveryCodes,
    private readonly completeMfaLogin: CompleteMfaLogin,
  ) {}

  /** The answer to a sign-in or refresh: the pair in the body, or (X-Auth-Mode: cookie) in cookies. */
  private deliver(
    request: FastifyRequest,
    reply: FastifyReply,
    pair: TokenPair,
  ): TokenPair | CookieSessionBody {
    return this.browser.wantsCookies(request) ? this.browser.issue(reply, pair, pair.sessionId) : pair;
  }

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

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: TokenPairDto,
    description: 'With `X-Auth-Mode: cookie`: a CookieSessionDto, tokens in cookies.',
  })
  @ApiUnauthorizedResponse({
    description: 'problem+json `invalid_credentials`, the same for unknown addresses.',
  })
  async login(
    @Body() body: LogInDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieSessionBody | MfaChallenge> {
    const result = await this.logIn.execute({ ...body, client: clientOf(request) });
    return 'mfaRequired' in result ? result : this.deliver(request, reply, result);
  }

  /** The second step of a sign-in with MFA. */
  @Post('mfa/verify')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({
    description: '`invalid_mfa_token` or `invalid_mfa_code` (five wrong codes end the challenge).',
  })
  async verifyMfa(
    @Body() body: MfaVerifyDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieSessionBody> {
    const pair = await this.completeMfaLogin.execute({ ...body, client: clientOf(request) });
    return this.deliver(request, reply, pair);
  }

  /** Starts an enrolment: a new pending secret, shown once. Needs the current password. */
  @Post('mfa/totp/setup')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TotpSetupDto })
  setupTotp(@CurrentUser() principal: UserPrincipal, @Body() body: TotpSetupRequestDto): Promise<TotpSetup> {
    return this.setUpTotp.execute({ principal, ...body });
  }

  /** Turns the pending secret on with one of its codes. Needs the current password. */
  @Post('mfa/totp/enable')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RecoveryCodesDto })
  enableTotp(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<{ recoveryCodes: string[] }> {
    return this.enableTotpWith.execute({ principal, ...body });
  }

  /** Turns TOTP off. Needs the current password and a fresh code (a wrong code counts too). */
  @Post('mfa/totp/disable')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'TOTP is off; the recovery codes are gone; the owner is mailed.' })
  async disableTotp(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<void> {
    await this.disableTotpWith.execute({ principal, ...body });
  }

  /** Replaces the recovery codes. Needs the current password and a fresh code (a wrong code counts too). */
  @Post('mfa/recovery-codes')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RecoveryCodesDto })
  regenerateRecoveryCodes(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<{ recoveryCodes: string[] }> {
    return this.regenerateCodes.execute({ principal, ...body });
  }

  @Post('refresh')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({
    description: '`invalid_refresh_token`, or `refresh_token_reused` (the session is revoked).',
  })
  async refresh(
    @Body() body: RefreshDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPair | CookieSessionBody> {
    let refreshToken = body.refreshToken;
    if (!refreshToken) {
      refreshToken = this.browser.refreshTokenOf(request);
      if (!refreshToken) throw new DomainError('invalid_refresh_token', 401, 'Send a refresh token.');
      if (!this.browser.csrfMatchesCookie(request)) {
        throw new DomainError('csrf_invalid', 403, 'Send the session CSRF token in X-CSRF-Token.');
      }
    }
    return this.deliver(request, reply, await this.refreshSession.execute({ refreshToken }));
  }

  /** The CSRF token of the cookie session, for a page that lost it. */
  @Get('csrf')
  @RequirePermission(Permission.SelfRead)
  @ApiOkResponse({ description: '`{ csrfToken }` for X-CSRF-Token.' })
  csrf(@CurrentUser() principal: UserPrincipal): { csrfToken: string } {
    return { csrfToken: this.browser.csrfToken(principal.sessionId) };
  }

  @Post('logout')
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'This session ended; its access and refresh tokens no longer work.' })
  async logout(
    @CurrentUser() principal: UserPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.logOut.execute({ principal });
    this.browser.clear(reply);
  }

  @Post('logout-all')
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({
    description: 'Every session of the user ended, and every access token issued so far.',
  })
  async logoutAll(
    @CurrentUser() principal: UserPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.logOutEverywhere.execute({ principal });
    this.browser.clear(reply);
  }

  @Get('me')
  @RequirePermission(Permission.SelfRead)
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() principal: UserPrincipal): Promise<UserDto> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainError('token_revoked', 401, 'The session has ended; sign in again.');
    return UserDto.of(user);
  }

  /** Whether the request's access token is good right now (the seeds' check_session); never 401. */
  @Get('session')
  @Public()
  @ApiOkResponse({ type: SessionStatusDto })
  async session(@Req() request: FastifyRequest): Promise<SessionStatusDto> {
    const token = bearerToken(request) ?? this.browser.accessTokenOf(request);
    if (!token) return { authenticated: false };
    try {
      const principal = await this.tokenState.authorize(await this.accessTokens.verify(token));
      return {
        authenticated: true,
        userId: principal.userId,
        sessionId: principal.sessionId,
        amr: principal.amr,
        accessTokenExpiresAt: principal.expiresAt.toISOString(),
      };
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) return { authenticated: false };
      throw error;
    }
  }

  @Post('password/forgot')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({
    type: AcceptedDto,
    description: 'Always 202, in the same time for known and unknown addresses.',
  })
  async forgotPassword(@Body() body: ForgotPasswordDto): Promise<AcceptedDto> {
    await this.requestPasswordReset.execute(body);
    return ACCEPTED;
  }

  @Post('password/reset')
  @Public()
  @RateLimit('auth')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password set; every session of the account ended.' })
  @ApiBadRequestResponse({ description: '`invalid_token`, or `validation_failed` naming the password rule.' })
  async resetPassword(@Body() body: ResetPasswordDto): Promise<void> {
    await this.resetPasswordWith.execute(body);
  }

  @Post('password/change')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed; every other session ended.' })
  async changePasswordOf(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ChangePasswordDto,
  ): Promise<void> {
    await this.changePassword.execute({ principal, ...body });
  }
}
