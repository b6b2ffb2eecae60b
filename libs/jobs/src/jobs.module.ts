import { Global, Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed';
import { JobProducer } from './job-producer';
import { RedisConnections } from './redis-connections';
import { RedisHealth } from './redis-health';

/** Redis connections, producing jobs, announcing changes and probing Redis. Needs RuntimeConfig and Metrics in scope. */
@Global()
@Module({
  providers: [RedisConnections, JobProducer, ChangeFeed, RedisHealth],
  exports: [RedisConnections, JobProducer, ChangeFeed, RedisHealth],
})
export class JobsModule {}
