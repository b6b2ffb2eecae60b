import { Injectable } from '@nestjs/common';
import {
  type AddressRequestPayload,
  type JobContext,
  JobName,
  QueueName,
  type QueueProcessor,
  type RegistrationRequestedPayload,
  type SendEmailPayload,
} from '@rampart/jobs';
import { SendPasswordResetLink } from '../accounts/send-password-reset-link';
import { SendVerificationLink } from '../accounts/send-verification-link';
import { StartRegistration } from '../accounts/start-registration';
import { DeliverEmail } from './deliver-email';

/** The email queue: deliveries, and the account requests that end in a mail. Thin: each calls one use case. */
@Injectable()
export class EmailProcessor implements QueueProcessor<typeof QueueName.Email> {
  readonly queue = QueueName.Email;

  constructor(
    private readonly deliver: DeliverEmail,
    private readonly startRegistration: StartRegistration,
    private readonly sendVerificationLink: SendVerificationLink,
    private readonly sendPasswordResetLink: SendPasswordResetLink,
  ) {}

  readonly handlers = {
    [JobName.SendEmail]: ({ outboxId }: SendEmailPayload, context: JobContext) =>
      this.deliver.run(outboxId, context),
    [JobName.RegistrationRequested]: (payload: RegistrationRequestedPayload) =>
      this.startRegistration.run(payload),
    [JobName.VerificationResendRequested]: (payload: AddressRequestPayload) =>
      this.sendVerificationLink.run(payload),
    [JobName.PasswordResetRequested]: (payload: AddressRequestPayload) =>
      this.sendPasswordResetLink.run(payload),
  };
}
