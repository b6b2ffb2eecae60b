import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { CurrentUser } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { UserPrincipal } from '../identity/principal';
import { ConfirmsCurrentPassword } from './confirms-current-password.decorator';
import { ConfirmedTotpCodeDto, RecoveryCodesDto, TotpSetupDto, TotpSetupRequestDto } from './dto/mfa.dto';
import { DisableTotp } from './use-cases/disable-totp';
import { EnableTotp } from './use-cases/enable-totp';
import { RegenerateRecoveryCodes } from './use-cases/regenerate-recovery-codes';
import { SetUpTotp, type TotpSetup } from './use-cases/set-up-totp';

/**
 * A signed-in user's own second factor: turning TOTP on and off, and renewing recovery codes. Every
 * change needs the current password in its request (ConfirmCurrentPassword, counted like a sign-in),
 * not just an access token: with a token alone, an attacker could plant a secret of their own and
 * lock the owner out for good, or take new recovery codes. Disabling and renewing also need a fresh
 * code of the active secret. The MFA step of a sign-in is the SessionController's.
 */
@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class MfaController {
  constructor(
    private readonly setUpTotp: SetUpTotp,
    private readonly enableTotp: EnableTotp,
    private readonly disableTotp: DisableTotp,
    private readonly regenerateRecoveryCodes: RegenerateRecoveryCodes,
  ) {}

  /** Starts an enrolment: a new pending secret, shown once. Needs the current password. */
  @Post('mfa/totp/setup')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TotpSetupDto })
  totpSetup(@CurrentUser() principal: UserPrincipal, @Body() body: TotpSetupRequestDto): Promise<TotpSetup> {
    return this.setUpTotp.execute({ principal, ...body });
  }

  /** Turns the pending secret on with one of its codes. Needs the current password. */
  @Post('mfa/totp/enable')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RecoveryCodesDto })
  totpEnable(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<{ recoveryCodes: string[] }> {
    return this.enableTotp.execute({ principal, ...body });
  }

  /** Turns TOTP off. Needs the current password and a fresh code (a wrong code counts too). */
  @Post('mfa/totp/disable')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'TOTP is off; the recovery codes are gone; the owner is mailed.' })
  async totpDisable(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<void> {
    await this.disableTotp.execute({ principal, ...body });
  }

  /** Replaces the recovery codes. Needs the current password and a fresh code (a wrong code counts too). */
  @Post('mfa/recovery-codes')
  @ConfirmsCurrentPassword()
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RecoveryCodesDto })
  recoveryCodes(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ConfirmedTotpCodeDto,
  ): Promise<{ recoveryCodes: string[] }> {
    return this.regenerateRecoveryCodes.execute({ principal, ...body });
  }
}
