import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { AdminUsersController } from './admin-users.controller';
import { OwnSessionsController } from './own-sessions.controller';
import { EndUserSession } from './use-cases/end-user-session';
import { GetUser } from './use-cases/get-user';
import { InvalidateUserTokens } from './use-cases/invalidate-user-tokens';
import { ListUserSessions } from './use-cases/list-user-sessions';
import { ListUsers } from './use-cases/list-users';
import { LockUser } from './use-cases/lock-user';
import { ResetUserMfa } from './use-cases/reset-user-mfa';
import { UnlockUser } from './use-cases/unlock-user';
import { UpdateUser } from './use-cases/update-user';
import { UserLookup } from './user-lookup';

@Module({
  imports: [EmailModule],
  controllers: [AdminUsersController, OwnSessionsController],
  providers: [
    UserLookup,
    ListUsers,
    GetUser,
    UpdateUser,
    LockUser,
    UnlockUser,
    InvalidateUserTokens,
    ResetUserMfa,
    ListUserSessions,
    EndUserSession,
  ],
})
export class UsersModule {}
