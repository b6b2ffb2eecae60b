import { Module } from '@nestjs/common';
import { AccessGuard } from './access.guard';

/** The AccessGuard, exported, not installed: RequestGuards runs it for every route, after rate limiting. */
@Module({
  providers: [AccessGuard],
  exports: [AccessGuard],
})
export class AccessModule {}
