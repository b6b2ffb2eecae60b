import { Injectable } from '@nestjs/common';
import { DomainError } from '@rampart/http';
import { CaptchaVerifier } from './captcha-verifier';

/** Turns a CAPTCHA verdict into the API's answer: 400 when missing or wrong, 503 (fail closed) when the provider is away. */
@Injectable()
export class CaptchaGate {
  constructor(private readonly verifier: CaptchaVerifier) {}

  get enabled(): boolean {
    return this.verifier.enabled;
  }

  async require(token: string | undefined, remoteIp: string | null): Promise<void> {
    const result = await this.verifier.verify(token, remoteIp);
    if (result.ok) return;
    if (result.reason === 'unavailable') {
      throw new DomainError(
        'captcha_unavailable',
        503,
        'The CAPTCHA check is unavailable right now; try again shortly.',
      );
    }
    throw new DomainError(
      result.reason === 'missing' ? 'captcha_required' : 'captcha_invalid',
      400,
      result.reason === 'missing'
        ? 'Solve the CAPTCHA and send its token as captchaToken.'
        : 'The CAPTCHA answer is not valid.',
    );
  }
}
