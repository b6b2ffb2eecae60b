import { Injectable } from '@nestjs/common';
import { JobName, QueueName, type QueueProcessor } from '@rampart/jobs';
import { DeliverEmail } from './deliver-email';

@Injectable()
export class EmailProcessor implements QueueProcessor<typeof QueueName.Email> {
  readonly queue = QueueName.Email;

  constructor(private readonly deliver: DeliverEmail) {}

  readonly handlers = {
    [JobName.SendEmail]: ({ outboxId }: { outboxId: string }, context: Parameters<DeliverEmail['run']>[1]) =>
      this.deliver.run(outboxId, context),
  };
}
