import { type DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitMetrics } from './rate-limit.metrics';
import { DEFAULT_RATE_LIMIT_SETTINGS, type RateLimitSettings, throttlerOptions } from './rate-limit.tiers';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Holds the Redis storage, so ThrottlerModule's async options can inject it. */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * Rate limiting for the API: @nestjs/throttler with one named throttler per tier, counted in
 * Redis, and the RateLimitGuard that applies them. The guard is exported, not installed:
 * RequestGuards runs it, ahead of the AccessGuard.
 */
@Module({})
export class RateLimitModule {
  static forRoot(settings: RateLimitSettings = DEFAULT_RATE_LIMIT_SETTINGS): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [RateLimitStorageModule],
          inject: [RedisThrottlerStorage],
          useFactory: (storage: RedisThrottlerStorage) => ({ ...throttlerOptions(settings), storage }),
        }),
      ],
      providers: [RateLimitMetrics, RateLimitGuard],
      exports: [RateLimitGuard, RateLimitMetrics],
    };
  }
}
