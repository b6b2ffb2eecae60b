import { Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { CurrentUser } from '../identity/current-principal';
import type { UserPrincipal } from '../identity/principal';
import { SessionDto } from './dto/user.dto';
import { EndUserSession } from './use-cases/end-user-session';
import { ListUserSessions } from './use-cases/list-user-sessions';

/** A user's own sign-ins: list them (which one is this), end any of them. */
@ApiTags('auth')
@Controller({ path: 'auth/sessions', version: '1' })
export class OwnSessionsController {
  constructor(
    private readonly listUserSessions: ListUserSessions,
    private readonly endUserSession: EndUserSession,
  ) {}

  @Get()
  @RequirePermission(Permission.SelfRead)
  @ApiOkResponse({ type: [SessionDto] })
  async list(@CurrentUser() principal: UserPrincipal): Promise<SessionDto[]> {
    return (await this.listUserSessions.execute({ userId: principal.userId })).map((session) =>
      SessionDto.of(session, principal.sessionId),
    );
  }

  @Delete(':sid')
  @RequirePermission(Permission.SelfWrite)
  @HttpCode(HttpStatus.NO_CONTENT)
  async end(
    @CurrentUser() principal: UserPrincipal,
    @Param('sid', new ParseUUIDPipe({ version: '4' })) sessionId: string,
  ): Promise<void> {
    await this.endUserSession.execute({
      actor: principal,
      userId: principal.userId,
      sessionId,
      reason: 'ended_by_user',
    });
  }
}
