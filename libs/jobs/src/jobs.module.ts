import { Global, Module } from '@nestjs/common';
import { JobProducer } from './job-producer';
import { RedisHealth } from './redis-health';

/** Producing jobs and probing Redis. Needs RuntimeConfig (from ConfigModule) in scope. */
@Global()
@Module({
  providers: [JobProducer, RedisHealth],
  exports: [JobProducer, RedisHealth],
})
export class JobsModule {}
