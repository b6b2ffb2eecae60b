import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiConflictResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { CurrentPrincipal } from '../identity/current-principal';
import type { Principal } from '../identity/principal';
import { ListUsersQuery, SessionDto, UpdateUserDto, UserDto, UserPageDto } from './dto/user.dto';
import { EndUserSession } from './use-cases/end-user-session';
import { GetUser } from './use-cases/get-user';
import { InvalidateUserTokens } from './use-cases/invalidate-user-tokens';
import { ListUserSessions } from './use-cases/list-user-sessions';
import { ListUsers } from './use-cases/list-users';
import { LockUser } from './use-cases/lock-user';
import { ResetUserMfa } from './use-cases/reset-user-mfa';
import { UnlockUser } from './use-cases/unlock-user';
import { UpdateUser } from './use-cases/update-user';

const id = new ParseUUIDPipe({ version: '4' });

@ApiTags('admin')
@Controller({ path: 'admin/users', version: '1' })
export class AdminUsersController {
  constructor(
    private readonly listUsers: ListUsers,
    private readonly getUser: GetUser,
    private readonly updateUser: UpdateUser,
    private readonly lockUser: LockUser,
    private readonly unlockUser: UnlockUser,
    private readonly invalidateUserTokens: InvalidateUserTokens,
    private readonly resetUserMfa: ResetUserMfa,
    private readonly listUserSessions: ListUserSessions,
    private readonly endUserSession: EndUserSession,
  ) {}

  @Get()
  @RequirePermission(Permission.UsersRead)
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: ListUsersQuery): Promise<UserPageDto> {
    const { items, total } = await this.listUsers.execute({
      page: query.page,
      pageSize: query.page_size,
      ...(query.q ? { q: query.q } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(query.status ? { status: query.status } : {}),
    });
    return {
      items: items.map((user) => UserDto.of(user)),
      page: query.page,
      page_size: query.page_size,
      total,
    };
  }

  @Get(':id')
  @RequirePermission(Permission.UsersRead)
  @ApiOkResponse({ type: UserDto })
  async get(@Param('id', id) userId: string): Promise<UserDto> {
    return UserDto.of(await this.getUser.execute({ userId }));
  }

  @Patch(':id')
  @RequirePermission(Permission.UsersWrite)
  @ApiOkResponse({ type: UserDto })
  async update(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) userId: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserDto> {
    return UserDto.of(
      await this.updateUser.execute({
        actor,
        userId,
        change: {
          ...(body.role ? { role: body.role } : {}),
          ...(body.status ? { status: body.status } : {}),
        },
      }),
    );
  }

  @Post(':id/disable')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: UserDto })
  async disable(@CurrentPrincipal() actor: Principal, @Param('id', id) userId: string): Promise<UserDto> {
    return UserDto.of(await this.updateUser.execute({ actor, userId, change: { status: 'disabled' } }));
  }

  @Post(':id/enable')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: UserDto })
  async enable(@CurrentPrincipal() actor: Principal, @Param('id', id) userId: string): Promise<UserDto> {
    return UserDto.of(await this.updateUser.execute({ actor, userId, change: { status: 'active' } }));
  }

  @Post(':id/lock')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.OK)
  async lock(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) userId: string,
  ): Promise<{ lockedUntil: string }> {
    const { lockedUntil } = await this.lockUser.execute({ actor, userId });
    return { lockedUntil: lockedUntil.toISOString() };
  }

  @Post(':id/unlock')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  async unlock(@CurrentPrincipal() actor: Principal, @Param('id', id) userId: string): Promise<void> {
    await this.unlockUser.execute({ actor, userId });
  }

  @Post(':id/invalidate-tokens')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every session and access token of the user ended.' })
  async invalidateTokens(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) userId: string,
  ): Promise<void> {
    await this.invalidateUserTokens.execute({ actor, userId });
  }

  /**
   * For a user who lost their authenticator and recovery codes: TOTP off, recovery codes gone, every
   * session and access token ended, the owner mailed. They sign in with the password and enrol again.
   */
  @Post(':id/mfa/reset')
  @RequirePermission(Permission.UsersResetMfa)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: UserDto, description: 'The user, with `mfaEnabled: false`.' })
  @ApiConflictResponse({
    description: '`mfa_not_enabled`, or `cannot_change_own_account` (use your own MFA routes).',
  })
  async resetMfa(@CurrentPrincipal() actor: Principal, @Param('id', id) userId: string): Promise<UserDto> {
    return UserDto.of(await this.resetUserMfa.execute({ actor, userId }));
  }

  @Get(':id/sessions')
  @RequirePermission(Permission.UsersRead)
  @ApiOkResponse({ type: [SessionDto] })
  async sessions(@Param('id', id) userId: string): Promise<SessionDto[]> {
    return (await this.listUserSessions.execute({ userId })).map((session) => SessionDto.of(session));
  }

  @Delete(':id/sessions/:sid')
  @RequirePermission(Permission.UsersWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  async endSession(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) userId: string,
    @Param('sid', id) sessionId: string,
  ): Promise<void> {
    await this.endUserSession.execute({ actor, userId, sessionId, reason: 'ended_by_admin' });
  }
}
