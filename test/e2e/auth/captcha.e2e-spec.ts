import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActiveUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { randomSuffix } from '../../support/run-settings';

/** A local stand-in for Cloudflare's siteverify: `good` passes, `down` answers 500, anything else fails. */
class FakeSiteverify {
  readonly requests: URLSearchParams[] = [];
  private server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      this.requests.push(form);
      if (form.get('response') === 'down') {
        response.writeHead(500).end();
        return;
      }
      const success = form.get('response') === 'good' && form.get('secret') === 'turnstile-test-secret';
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(
            success
              ? { success, hostname: 'app.example.test' }
              : { success, 'error-codes': ['invalid-input-response'] },
          ),
        );
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/siteverify`;
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('CAPTCHA (Turnstile) on sign-up and on sign-in after failures', () => {
  const siteverify = new FakeSiteverify();
  let api: RunningApi;

  const post = async (path: string, body: unknown): Promise<{ status: number; code?: string }> => {
    const response = await fetch(`${api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, code: ((await response.json()) as { code?: string }).code };
  };

  beforeAll(async () => {
    await siteverify.start();
    api = await startApiInProcess({
      CAPTCHA_PROVIDER: 'turnstile',
      TURNSTILE_SECRET_KEY: 'turnstile-test-secret',
      TURNSTILE_SITEVERIFY_URL: siteverify.url,
      CAPTCHA_LOGIN_AFTER_FAILURES: '3',
    });
  });
  afterAll(async () => {
    await api?.close();
    await siteverify.stop();
  });

  it('requires a solved CAPTCHA to sign up, and checks it with the secret and the client address', async () => {
    const email = `captcha-${randomSuffix()}@example.test`;
    const password = 'violet-harbour-lantern-93';
    expect(await post('register', { email, password })).toEqual({ status: 400, code: 'captcha_required' });
    expect(await post('register', { email, password, captchaToken: 'bad' })).toEqual({
      status: 400,
      code: 'captcha_invalid',
    });
    expect((await post('register', { email, password, captchaToken: 'good' })).status).toBe(202);
    const last = siteverify.requests.at(-1);
    expect(last?.get('secret')).toBe('turnstile-test-secret');
    expect(last?.get('response')).toBe('good');
    expect(last?.get('remoteip')).toBe('127.0.0.1');
  });

  it('fails closed with 503 when siteverify is down', async () => {
    const result = await post('register', {
      email: `down-${randomSuffix()}@example.test`,
      password: 'violet-harbour-lantern-93',
      captchaToken: 'down',
    });
    expect(result).toEqual({ status: 503, code: 'captcha_unavailable' });
  });

  it('asks for a CAPTCHA at sign-in once the address has 3 failures, and not before', async () => {
    const user = await createActiveUser(api.app);
    const asked = siteverify.requests.length;
    for (let i = 0; i < 3; i += 1) {
      expect(await post('login', { email: user.email, password: 'a-wrong-password-1' })).toEqual({
        status: 401,
        code: 'invalid_credentials',
      });
    }
    expect(siteverify.requests.length).toBe(asked);
    expect(await post('login', { email: user.email, password: user.password })).toEqual({
      status: 400,
      code: 'captcha_required',
    });
    expect(
      (await post('login', { email: user.email, password: user.password, captchaToken: 'good' })).status,
    ).toBe(200);
    // The success reset the count: no CAPTCHA next time.
    expect((await post('login', { email: user.email, password: user.password })).status).toBe(200);
  });
});
