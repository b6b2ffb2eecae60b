import { Injectable } from '@nestjs/common';
import {
  type JobContext,
  JobName,
  QueueName,
  type QueueProcessor,
  type SendEmailPayload,
} from '@rampart/jobs';
import { DeliverEmail } from './deliver-email';

/** The email queue. Thin: delivery itself is the DeliverEmail use case. */
@Injectable()
export class EmailProcessor implements QueueProcessor<typeof QueueName.Email> {
  readonly queue = QueueName.Email;

  constructor(private readonly deliver: DeliverEmail) {}

  readonly handlers = {
    [JobName.SendEmail]: ({ outboxId }: SendEmailPayload, context: JobContext) =>
      this.deliver.run(outboxId, context),
  };
}
