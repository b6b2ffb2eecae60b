// Unit tests for createCaptchaVerifier: the provider setting picks the implementation, and Turnstile
// without a secret stops the boot instead of quietly switching CAPTCHA off.
import { CaptchaVerifier } from './captcha-verifier';
import { type CaptchaSettings, createCaptchaVerifier } from './captcha-verifier.factory';
import { DisabledCaptchaVerifier } from './disabled-captcha.verifier';
import { TURNSTILE_SITEVERIFY_URL, TurnstileVerifier } from './turnstile.verifier';

const SETTINGS: CaptchaSettings = {
  provider: 'turnstile',
  secret: '0x4AAAAAAAtest-secret-key',
  siteverifyUrl: TURNSTILE_SITEVERIFY_URL,
  timeoutMs: 3_000,
  expectedHostname: 'app.example.test',
};

describe('createCaptchaVerifier', () => {
  it('returns the disabled verifier when the provider is disabled, secret or not', () => {
    for (const secret of [null, 'unused']) {
      const verifier = createCaptchaVerifier({ ...SETTINGS, provider: 'disabled', secret });
      expect(verifier).toBeInstanceOf(DisabledCaptchaVerifier);
      expect(verifier).toBeInstanceOf(CaptchaVerifier);
      expect(verifier.enabled).toBe(false);
    }
  });

  it('returns an enabled Turnstile verifier when the provider is turnstile', () => {
    const verifier = createCaptchaVerifier(SETTINGS);
    expect(verifier).toBeInstanceOf(TurnstileVerifier);
    expect(verifier).toBeInstanceOf(CaptchaVerifier);
    expect(verifier.enabled).toBe(true);
  });

  it.each([null, ''])('throws when the provider is turnstile and the secret is %p', (secret) => {
    expect(() => createCaptchaVerifier({ ...SETTINGS, secret })).toThrow(/needs a secret key/);
  });
});
