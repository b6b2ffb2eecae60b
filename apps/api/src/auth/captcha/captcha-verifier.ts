// The port the auth use cases check a CAPTCHA through (on register, and on login after repeated failures).
// It is an abstract class rather than an interface so that Nest can inject it by type; the auth module
// decides at boot which implementation stands behind it (see createCaptchaVerifier).

/**
 * The outcome of checking one CAPTCHA token. `unavailable` means the provider could not give an answer
 * (network error, timeout, 5xx, unreadable reply, or a provider-side configuration problem): the caller
 * fails closed and refuses with 503 rather than letting the request through.
 */
export type CaptchaResult = { ok: true } | { ok: false; reason: 'missing' | 'invalid' | 'unavailable' };

export abstract class CaptchaVerifier {
  /** False when CAPTCHA is switched off (development), so that callers and the UI can skip the widget. */
  abstract readonly enabled: boolean;

  /**
   * Checks the token the client sent. Resolves, never rejects: every failure is a CaptchaResult.
   * `remoteIp` is the client's address when known; providers use it as an extra signal.
   */
  abstract verify(token: string | undefined, remoteIp: string | null): Promise<CaptchaResult>;
}
