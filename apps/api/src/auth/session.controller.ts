import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, RequirePermission } from '../access/access.decorators';
import { bearerToken } from '../identity/authenticator';
import { BrowserSession, type CookieSessionBody } from '../identity/browser-session';
import { CurrentUser } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { UserPrincipal } from '../identity/principal';
import type { TokenPair } from '../identity/token-pair';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { clientOf } from './client-context';
import { LogInDto, RefreshDto, SessionStatusDto, TokenPairDto } from './dto/log-in.dto';
import { MfaVerifyDto } from './dto/mfa.dto';
import type { MfaChallenge } from './mfa/mfa-challenges';
import { CheckSession } from './use-cases/check-session';
import { CompleteMfaLogin } from './use-cases/complete-mfa-login';
import { LogIn } from './use-cases/log-in';
import { LogOut } from './use-cases/log-out';
import { LogOutEverywhere } from './use-cases/log-out-everywhere';
import { RefreshSession } from './use-cases/refresh-session';

/** A session's life: signing in (with the second factor), refreshing, checking and ending it. */
@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class SessionController {
  constructor(
    private readonly logIn: LogIn,
    private readonly completeMfaLogin: CompleteMfaLogin,
    private readonly refreshSession: RefreshSession,
    private readonly checkSession: CheckSession,
    private readonly logOut: LogOut,
    private readonly logOutEverywhere: LogOutEverywhere,
    private readonly browser: BrowserSession,
  ) {}

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
    return 'mfaRequired' in result ? result : this.browser.deliver(request, reply, result);
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
    return this.browser.deliver(request, reply, pair);
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
    // An empty refreshToken in the body is no token: the browser's cookie is used instead.
    const refreshToken = body.refreshToken || this.browser.refreshTokenFromCookie(request);
    return this.browser.deliver(request, reply, await this.refreshSession.execute({ refreshToken }));
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

  /** Whether the request's access token is good right now (the seeds' check_session); never 401. */
  @Get('session')
  @Public()
  @ApiOkResponse({ type: SessionStatusDto })
  session(@Req() request: FastifyRequest): Promise<SessionStatusDto> {
    return this.checkSession.execute({
      accessToken: bearerToken(request) ?? this.browser.accessTokenOf(request),
    });
  }
}
