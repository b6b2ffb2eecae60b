import { Injectable } from '@nestjs/common';
import { DomainError } from '@rampart/http';
import { type JobName, type JobPayloads, JobProducer } from '@rampart/jobs';

type AccountRequestJob =
  | typeof JobName.RegistrationRequested
  | typeof JobName.VerificationResendRequested
  | typeof JobName.PasswordResetRequested;

/**
 * Hands an account request that takes an e-mail address to the worker. The endpoints answer 202
 * after this one durable enqueue, which costs the same for every address: whether the address has
 * an account is only looked at by the worker, after the answer, so neither the answer nor its
 * timing can tell. If Redis does not take the job the request fails closed (503): accepting it
 * would promise a mail nobody will send.
 */
@Injectable()
export class AccountRequests {
  constructor(private readonly producer: JobProducer) {}

  async submit<N extends AccountRequestJob>(name: N, payload: JobPayloads[N]): Promise<void> {
    try {
      await this.producer.enqueue(name, payload);
    } catch {
      throw new DomainError(
        'auth_unavailable',
        503,
        'The request cannot be taken right now; try again shortly.',
      );
    }
  }
}
