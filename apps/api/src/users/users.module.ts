import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { AdminUsersController } from './admin-users.controller';
import { ManageUsers } from './manage-users';
import { OwnSessionsController } from './own-sessions.controller';

@Module({
  imports: [EmailModule],
  controllers: [AdminUsersController, OwnSessionsController],
  providers: [ManageUsers],
})
export class UsersModule {}
