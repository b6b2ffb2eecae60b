import { type DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccessTokens } from '../auth/tokens/access-tokens';
import { BrowserSession } from '../auth/tokens/browser-session';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitMetrics } from './rate-limit.metrics';
import { DEFAULT_RATE_LIMIT_SETTINGS, type RateLimitSettings, throttlerOptions } from './rate-limit.tiers';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** Holds the Redis storage, so ThrottlerModule's async options can inject it. */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * Rate limiting for the API: @nestjs/throttler with one named throttler per tier, counted in
 * Redis, and the RateLimitGuard that applies them. The guard is exported, not installed: the API
 * module registers it as APP_GUARD so that it runs before the AccessGuard.
 * AccessTokens and BrowserSession are provided here again (they need only ApiConfig and hold no
 * state) because the guard verifies access tokens itself and AuthModule exports neither.
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
      providers: [RateLimitMetrics, RateLimitGuard, AccessTokens, BrowserSession],
      exports: [RateLimitGuard, RateLimitMetrics],
    };
  }
}
