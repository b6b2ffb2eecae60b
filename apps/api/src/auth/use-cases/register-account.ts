import { Injectable } from '@nestjs/common';
import { RegistrationRequestRepository } from '@rampart/db';
import { normaliseEmail } from '@rampart/identity';
import { validationProblem } from '@rampart/http';
import { JobName } from '@rampart/jobs';
import { AccountRequests } from '../account-requests';
import { CaptchaGate } from '../captcha/captcha-gate';
import { PasswordHasher } from '../passwords/password-hasher';
import { checkPassword } from '../passwords/password-policy';

/**
 * Sign-up, the part that does not depend on the address having an account: CAPTCHA, the password
 * rules (which see only the typed address and password), the hash, one row holding it (the same
 * insert for every address), then one job for the worker
 * (StartRegistration creates the account, or replaces a pending one's password, or mails the owner
 * of an active one). Every address gets the same work here, so the same answer in the same time.
 */
export interface RegisterAccountInput {
  email: string;
  password: string;
  captchaToken?: string;
  /** The client's address, for the CAPTCHA provider's check. */
  remoteIp: string | null;
}

@Injectable()
export class RegisterAccount {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly captcha: CaptchaGate,
    private readonly requests: AccountRequests,
    private readonly registrations: RegistrationRequestRepository,
  ) {}

  async execute(input: RegisterAccountInput): Promise<void> {
    await this.captcha.require(input.captchaToken, input.remoteIp);
    const email = normaliseEmail(input.email);
    const violations = checkPassword(input.password, email);
    if (violations.length) {
      throw validationProblem({ password: violations.map((violation) => violation.message) });
    }
    const passwordHash = await this.hasher.hash(input.password);
    const requestId = await this.registrations.create({ email, passwordHash });
    try {
      await this.requests.submit(JobName.RegistrationRequested, { requestId });
    } catch (error) {
      await this.registrations.discard(requestId).catch(() => undefined);
      throw error;
    }
  }
}
