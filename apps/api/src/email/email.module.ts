import { Module } from '@nestjs/common';
import { OutboxModule } from '@rampart/outbox';

/** The API's mail: the shared transactional outbox. */
@Module({ imports: [OutboxModule], exports: [OutboxModule] })
export class EmailModule {}
