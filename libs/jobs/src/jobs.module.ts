import { Global, Module } from '@nestjs/common';
import { ChangeFeed } from './change-feed';
import { JobProducer } from './job-producer';
import { RedisConnections } from './redis-connections';
import { QueueHealthReader } from './queue-health';
import { RedisHealth } from './redis-health';

/** Redis connections, producing jobs, reading queue health, announcing changes and probing Redis. Needs RuntimeConfig and Metrics in scope. */
@Global()
@Module({
  providers: [RedisConnections, JobProducer, ChangeFeed, RedisHealth, QueueHealthReader],
  exports: [RedisConnections, JobProducer, ChangeFeed, RedisHealth, QueueHealthReader],
})
export class JobsModule {}
