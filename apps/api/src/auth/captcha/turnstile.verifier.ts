// Verifies Cloudflare Turnstile tokens with the siteverify endpoint (server-side validation: the widget on
// the page proves nothing until Cloudflare confirms its token). Every outcome is a CaptchaResult; anything
// short of a readable "yes" from Cloudflare is a refusal, so an outage can never let a request through.
// The secret and the token are sent in the form body only and never appear in logs or results.
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type CaptchaResult, CaptchaVerifier } from './captcha-verifier';

/** Cloudflare's endpoint; configurable so that tests can point the verifier at a local fake. */
export const TURNSTILE_SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

/** Turnstile tokens are at most 2048 characters; anything longer is not one and is refused without a call. */
export const TURNSTILE_MAX_TOKEN_LENGTH = 2048;

// siteverify reports these when our request (secret, form) is wrong or Cloudflare itself failed. They say
// nothing about the visitor's token, so they are `unavailable` (503, logged as errors for the operator)
// rather than `invalid`: a rotated or mistyped secret must not look like every visitor failing the CAPTCHA.
const PROVIDER_SIDE_ERROR_CODES: ReadonlySet<string> = new Set([
  'missing-input-secret',
  'invalid-input-secret',
  'bad-request',
  'internal-error',
]);

const MISSING: CaptchaResult = { ok: false, reason: 'missing' };
const INVALID: CaptchaResult = { ok: false, reason: 'invalid' };
const UNAVAILABLE: CaptchaResult = { ok: false, reason: 'unavailable' };

export type TurnstileOptions = {
  /** The widget's secret key. */
  secret: string;
  /** Normally TURNSTILE_SITEVERIFY_URL. */
  siteverifyUrl: string;
  /** Deadline for the whole call, body included; past it the answer is `unavailable`. */
  timeoutMs: number;
  /** When set, a token solved on another hostname is refused (Cloudflare accepts it otherwise). */
  expectedHostname?: string;
  /** When set, a token from a widget with another `action` is refused. */
  expectedAction?: string;
};

/** The fields of a siteverify reply this verifier relies on, checked rather than trusted. */
type SiteverifyReply = {
  success: boolean;
  errorCodes: string[];
  hostname: string | undefined;
  action: string | undefined;
};

export class TurnstileVerifier extends CaptchaVerifier {
  readonly enabled = true;
  private readonly logger = new Logger(TurnstileVerifier.name);
  // An ES private field, so the secret is not reachable from outside and not serialised if the verifier
  // is ever logged or inspected.
  readonly #secret: string;
  private readonly siteverifyUrl: string;
  private readonly timeoutMs: number;
  private readonly expectedHostname: string | undefined;
  private readonly expectedAction: string | undefined;

  constructor(options: TurnstileOptions) {
    super();
    // Checked here so that a bad configuration stops the boot instead of failing every request.
    if (options.secret.length === 0) throw new Error('TurnstileVerifier: the secret key is empty');
    if (!URL.canParse(options.siteverifyUrl))
      throw new Error('TurnstileVerifier: siteverifyUrl is not a URL');
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error('TurnstileVerifier: timeoutMs must be a positive number');
    }
    this.#secret = options.secret;
    this.siteverifyUrl = options.siteverifyUrl;
    this.timeoutMs = options.timeoutMs;
    this.expectedHostname = options.expectedHostname;
    this.expectedAction = options.expectedAction;
  }

  async verify(token: string | undefined, remoteIp: string | null): Promise<CaptchaResult> {
    if (token === undefined || token.length === 0) return MISSING;
    if (token.length > TURNSTILE_MAX_TOKEN_LENGTH) return INVALID;
    const reply = await this.callSiteverify(token, remoteIp);
    return reply === undefined ? UNAVAILABLE : this.judge(reply);
  }

  /** One POST to siteverify; undefined when no readable answer came back in time. Never throws. */
  private async callSiteverify(token: string, remoteIp: string | null): Promise<SiteverifyReply | undefined> {
    const form = new URLSearchParams({
      secret: this.#secret,
      response: token,
      // Lets Cloudflare recognise a retry of the same check instead of reporting the token as already used.
      idempotency_key: randomUUID(),
    });
    if (remoteIp !== null) form.set('remoteip', remoteIp);
    try {
      const response = await fetch(this.siteverifyUrl, {
        method: 'POST',
        // A URLSearchParams body is sent as application/x-www-form-urlencoded;charset=UTF-8.
        body: form,
        // Covers connecting, the headers and reading the body.
        signal: AbortSignal.timeout(this.timeoutMs),
        // siteverify does not redirect; following a 307/308 would re-send the secret somewhere else.
        redirect: 'error',
      });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        this.logger.warn(`siteverify answered HTTP ${response.status}`);
        return undefined;
      }
      const reply = parseReply(await response.json());
      if (reply === undefined)
        this.logger.warn('siteverify answered with a body that is not a siteverify reply');
      return reply;
    } catch (error) {
      // Only the error's name and code: messages (a JSON parse error quoting the body, say) are not ours.
      this.logger.warn(`siteverify gave no answer: ${describeFailure(error)}`);
      return undefined;
    }
  }

  private judge(reply: SiteverifyReply): CaptchaResult {
    if (!reply.success) {
      const providerSide = reply.errorCodes.filter((code) => PROVIDER_SIDE_ERROR_CODES.has(code));
      if (providerSide.length > 0) {
        this.logger.error(`siteverify could not check the token: ${providerSide.join(', ')}`);
        return UNAVAILABLE;
      }
      // A wrong, expired or already used token: the visitor's problem, an everyday event.
      this.logger.debug(`CAPTCHA token refused: ${reply.errorCodes.join(', ') || 'no error code'}`);
      return INVALID;
    }
    if (this.expectedHostname !== undefined && reply.hostname !== this.expectedHostname) {
      // A real token solved on another site that embeds our sitekey (or a misconfigured expected hostname).
      this.logger.warn(`CAPTCHA token was solved on another hostname: ${JSON.stringify(reply.hostname)}`);
      return INVALID;
    }
    if (this.expectedAction !== undefined && reply.action !== this.expectedAction) {
      this.logger.warn(`CAPTCHA token was solved for another action: ${JSON.stringify(reply.action)}`);
      return INVALID;
    }
    return { ok: true };
  }
}

function parseReply(body: unknown): SiteverifyReply | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  if (typeof fields.success !== 'boolean') return undefined;
  const errorCodes = fields['error-codes'];
  return {
    success: fields.success,
    errorCodes: Array.isArray(errorCodes)
      ? errorCodes.filter((code: unknown): code is string => typeof code === 'string')
      : [],
    hostname: typeof fields.hostname === 'string' ? fields.hostname : undefined,
    action: typeof fields.action === 'string' ? fields.action : undefined,
  };
}

/** "TimeoutError", "TypeError (ECONNREFUSED)": enough to tell an outage from a timeout, nothing more. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause: unknown = error.cause;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code === undefined ? error.name : `${error.name} (${code})`;
}
