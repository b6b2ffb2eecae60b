import { Injectable } from '@nestjs/common';
import { normaliseEmail } from '@rampart/identity';
import { JobName } from '@rampart/jobs';
import { AccountRequests } from '../account-requests';

export interface RequestPasswordResetInput {
  email: string;
}

/**
 * Asks for a password reset link (PASSWORD_RESET_TTL_MINUTES). One job for every address alike: the
 * worker's SendPasswordResetLink looks the address up after the answer, so neither the answer nor
 * its timing tells whether the address has an account.
 */
@Injectable()
export class RequestPasswordReset {
  constructor(private readonly requests: AccountRequests) {}

  async execute(input: RequestPasswordResetInput): Promise<void> {
    await this.requests.submit(JobName.PasswordResetRequested, { email: normaliseEmail(input.email) });
  }
}
