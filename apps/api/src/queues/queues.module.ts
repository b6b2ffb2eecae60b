import { Module } from '@nestjs/common';
import { QueueOverview } from './queue-overview';
import { QueuesController } from './queues.controller';

@Module({ controllers: [QueuesController], providers: [QueueOverview] })
export class QueuesModule {}
