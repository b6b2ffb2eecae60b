// Chooses the CAPTCHA verifier from configuration once, at boot; the auth module provides CaptchaVerifier
// with it. Turnstile without a secret stops the boot: quietly falling back to the disabled verifier would
// be the same code path as a production deploy with a missing variable.
import type { ApiConfig } from '@rampart/config';
import { CaptchaVerifier } from './captcha-verifier';
import { DisabledCaptchaVerifier } from './disabled-captcha.verifier';
import { TurnstileVerifier } from './turnstile.verifier';

/** What choosing and building a verifier needs of the CAPTCHA configuration. */
export type CaptchaSettings = Omit<ApiConfig['captcha'], 'loginAfterFailures'>;

export function createCaptchaVerifier(settings: CaptchaSettings): CaptchaVerifier {
  if (settings.provider === 'disabled') return new DisabledCaptchaVerifier();
  if (settings.secret === null || settings.secret.length === 0) {
    throw new Error('CAPTCHA provider "turnstile" needs a secret key, and none is configured');
  }
  return new TurnstileVerifier({
    secret: settings.secret,
    siteverifyUrl: settings.siteverifyUrl,
    timeoutMs: settings.timeoutMs,
    expectedHostname: settings.expectedHostname,
  });
}
