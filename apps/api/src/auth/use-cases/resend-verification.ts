import { Injectable } from '@nestjs/common';
import { normaliseEmail } from '@rampart/identity';
import { JobName } from '@rampart/jobs';
import { AccountRequests } from '../account-requests';

/**
 * Asks for a fresh verification link. The worker (SendVerificationLink) sends one to an unverified
 * account and nothing otherwise; here every address gets the same job, so the same answer and time.
 */
export interface ResendVerificationInput {
  email: string;
}

@Injectable()
export class ResendVerification {
  constructor(private readonly requests: AccountRequests) {}

  async execute(input: ResendVerificationInput): Promise<void> {
    await this.requests.submit(JobName.VerificationResendRequested, { email: normaliseEmail(input.email) });
  }
}
