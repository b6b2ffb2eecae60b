// Tests the CAPTCHA verifiers over real HTTP: a fake siteverify server on 127.0.0.1 (node:http) stands in
// for Cloudflare, so the form encoding, the timeout and the failure paths run as they would in production.
import { Logger } from '@nestjs/common';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { DisabledCaptchaVerifier } from './disabled-captcha.verifier';
import { TURNSTILE_MAX_TOKEN_LENGTH, TurnstileVerifier, type TurnstileOptions } from './turnstile.verifier';

const SECRET = '0x4AAAAAAAtest-secret-key';
const GOOD_TOKEN = 'good-token';
const HOSTNAME = 'app.example.test';
const ACTION = 'register';
const REMOTE_IP = '203.0.113.7';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type ReceivedRequest = { method: string | undefined; contentType: string | undefined; form: URLSearchParams };

function answerJson(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * Answers like siteverify: success for `good-token`, Cloudflare's refusal for a wrong secret or any other
 * token, HTTP 500 for `boom`, an HTML page for `not-json`, and nothing at all for `slow` (the request is
 * held until the client gives up or the server is closed).
 */
function answer(form: URLSearchParams, response: ServerResponse): void {
  const token = form.get('response');
  if (form.get('secret') !== SECRET) {
    answerJson(response, { success: false, 'error-codes': ['invalid-input-secret'] });
  } else if (token === GOOD_TOKEN) {
    answerJson(response, {
      success: true,
      'error-codes': [],
      challenge_ts: new Date().toISOString(),
      hostname: HOSTNAME,
      action: ACTION,
    });
  } else if (token === 'boom') {
    response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  } else if (token === 'not-json') {
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<html><body>Just a moment...</body></html>');
  } else if (token !== 'slow') {
    answerJson(response, { success: false, 'error-codes': ['invalid-input-response'] });
  }
}

describe('CAPTCHA verifiers', () => {
  let server: Server;
  let siteverifyUrl: string;
  const received: ReceivedRequest[] = [];
  let logged: string[];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        received.push({ method: request.method, contentType: request.headers['content-type'], form });
        answer(form, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    siteverifyUrl = `http://127.0.0.1:${port}/turnstile/v0/siteverify`;
  });

  afterAll(async () => {
    // The `slow` requests are still held open; drop them so that close() returns and Jest can exit.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  beforeEach(() => {
    received.length = 0;
    logged = [];
    for (const level of ['log', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
  });

  afterEach(() => {
    // Whatever happened, neither the secret nor a token the tests sent may reach the logs.
    for (const message of logged) {
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(GOOD_TOKEN);
    }
    jest.restoreAllMocks();
  });

  function turnstile(overrides: Partial<TurnstileOptions> = {}): TurnstileVerifier {
    return new TurnstileVerifier({ secret: SECRET, siteverifyUrl, timeoutMs: 2_000, ...overrides });
  }

  describe('TurnstileVerifier', () => {
    it('is enabled', () => {
      expect(turnstile().enabled).toBe(true);
    });

    it('accepts a good token and sends the secret, the token, the remote IP and an idempotency key', async () => {
      await expect(turnstile().verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({ ok: true });

      expect(received).toHaveLength(1);
      const [request] = received;
      expect(request?.method).toBe('POST');
      expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(request?.form.get('secret')).toBe(SECRET);
      expect(request?.form.get('response')).toBe(GOOD_TOKEN);
      expect(request?.form.get('remoteip')).toBe(REMOTE_IP);
      expect(request?.form.get('idempotency_key')).toMatch(UUID);
    });

    it('leaves remoteip out when the client address is unknown, and uses a new idempotency key per call', async () => {
      const verifier = turnstile();
      await expect(verifier.verify(GOOD_TOKEN, null)).resolves.toEqual({ ok: true });
      await expect(verifier.verify(GOOD_TOKEN, null)).resolves.toEqual({ ok: true });

      expect(received).toHaveLength(2);
      expect(received[0]?.form.has('remoteip')).toBe(false);
      expect(received[0]?.form.get('idempotency_key')).not.toBe(received[1]?.form.get('idempotency_key'));
    });

    it('refuses a token siteverify rejects as invalid', async () => {
      await expect(turnstile().verify('bad-token', REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(received).toHaveLength(1);
    });

    it.each([undefined, ''])('reports a missing token (%p) without calling siteverify', async (token) => {
      await expect(turnstile().verify(token, REMOTE_IP)).resolves.toEqual({ ok: false, reason: 'missing' });
      expect(received).toHaveLength(0);
    });

    it('refuses a token longer than 2048 characters without calling siteverify', async () => {
      const token = 'x'.repeat(TURNSTILE_MAX_TOKEN_LENGTH + 1);
      await expect(turnstile().verify(token, REMOTE_IP)).resolves.toEqual({ ok: false, reason: 'invalid' });
      expect(received).toHaveLength(0);
    });

    it('sends a token of exactly 2048 characters', async () => {
      const token = 'x'.repeat(TURNSTILE_MAX_TOKEN_LENGTH);
      await expect(turnstile().verify(token, REMOTE_IP)).resolves.toEqual({ ok: false, reason: 'invalid' });
      expect(received).toHaveLength(1);
    });

    it('is unavailable when siteverify answers HTTP 500', async () => {
      await expect(turnstile().verify('boom', REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'unavailable',
      });
    });

    it('is unavailable when siteverify answers with something other than JSON', async () => {
      await expect(turnstile().verify('not-json', REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'unavailable',
      });
    });

    it('is unavailable, within the timeout, when siteverify does not answer', async () => {
      const started = performance.now();
      await expect(turnstile({ timeoutMs: 200 }).verify('slow', REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'unavailable',
      });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(150);
      expect(elapsed).toBeLessThan(1_000);
      expect(received).toHaveLength(1);
    });

    it('is unavailable when nothing listens at the siteverify address', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));

      const verifier = turnstile({ siteverifyUrl: `http://127.0.0.1:${port}/turnstile/v0/siteverify` });
      await expect(verifier.verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'unavailable',
      });
    });

    it('is unavailable, not invalid, when siteverify rejects the secret (a configuration problem)', async () => {
      const verifier = turnstile({ secret: 'a-rotated-secret' });
      await expect(verifier.verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({
        ok: false,
        reason: 'unavailable',
      });
      expect(logged.some((message) => message.includes('invalid-input-secret'))).toBe(true);
      expect(logged.join('\n')).not.toContain('a-rotated-secret');
    });

    it('accepts a token solved on the expected hostname and for the expected action', async () => {
      const verifier = turnstile({ expectedHostname: HOSTNAME, expectedAction: ACTION });
      await expect(verifier.verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({ ok: true });
    });

    it('refuses a valid token solved on another hostname', async () => {
      const verifier = turnstile({ expectedHostname: 'other.example' });
      await expect(verifier.verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({ ok: false, reason: 'invalid' });
    });

    it('refuses a valid token solved for another action', async () => {
      const verifier = turnstile({ expectedAction: 'login' });
      await expect(verifier.verify(GOOD_TOKEN, REMOTE_IP)).resolves.toEqual({ ok: false, reason: 'invalid' });
    });

    it('keeps the secret out of its enumerable state', () => {
      const verifier = turnstile();
      expect(JSON.stringify(verifier)).not.toContain(SECRET);
      expect(Object.values(verifier)).not.toContain(SECRET);
    });

    it.each([
      [{ secret: '' }, /secret/],
      [{ siteverifyUrl: 'not a url' }, /siteverifyUrl/],
      [{ timeoutMs: 0 }, /timeoutMs/],
    ])('refuses to be built with %p', (overrides, message) => {
      expect(() => turnstile(overrides)).toThrow(message);
    });
  });

  describe('DisabledCaptchaVerifier', () => {
    it('is disabled and lets every request through, with or without a token', async () => {
      const verifier = new DisabledCaptchaVerifier();
      expect(verifier.enabled).toBe(false);
      await expect(verifier.verify(undefined, null)).resolves.toEqual({ ok: true });
      await expect(verifier.verify('anything', REMOTE_IP)).resolves.toEqual({ ok: true });
      expect(received).toHaveLength(0);
    });
  });
});
