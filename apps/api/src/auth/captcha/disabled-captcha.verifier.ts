// The CAPTCHA verifier for development and tests: CAPTCHA is switched off, so every request passes.
// Which verifier runs is decided by configuration at boot (createCaptchaVerifier), never per request.
import { type CaptchaResult, CaptchaVerifier } from './captcha-verifier';

export class DisabledCaptchaVerifier extends CaptchaVerifier {
  readonly enabled = false;

  verify(_token: string | undefined, _remoteIp: string | null): Promise<CaptchaResult> {
    return Promise.resolve({ ok: true });
  }
}
