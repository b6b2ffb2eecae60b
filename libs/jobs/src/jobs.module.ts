import { Global, Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed';
import { JobProducer } from './job-producer';
import { RedisHealth } from './redis-health';

/** Producing jobs, announcing changes and probing Redis. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({
  providers: [JobProducer, ChangeFeed, RedisHealth],
  exports: [JobProducer, ChangeFeed, RedisHealth],
})
export class JobsModule {}
