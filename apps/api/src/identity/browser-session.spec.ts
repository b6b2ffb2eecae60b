import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiConfig } from '@rampart/config';
import { BrowserSession } from './browser-session';

const session = new BrowserSession({ cookies: { secure: true, secret: 's'.repeat(32) } } as ApiConfig);

/** A bare Fastify app that answers whether BrowserSession judges the request same-origin. */
async function judge(trustProxy: string | false): Promise<FastifyInstance> {
  const app = Fastify({ trustProxy });
  app.put('/change', (request) => ({ sameOrigin: session.fromSameOrigin(request) }));
  await app.ready();
  return app;
}

async function sameOrigin(app: FastifyInstance, headers: Record<string, string>): Promise<boolean> {
  const response = await app.inject({ method: 'PUT', url: '/change', headers });
  return response.json<{ sameOrigin: boolean }>().sameOrigin;
}

describe('BrowserSession.fromSameOrigin', () => {
  let direct: FastifyInstance;
  let proxied: FastifyInstance;

  beforeAll(async () => {
    direct = await judge(false);
    // inject() comes from 127.0.0.1: here that peer is the trusted proxy.
    proxied = await judge('127.0.0.1');
  });
  afterAll(async () => {
    await direct.close();
    await proxied.close();
  });

  const host = 'localhost:3000';
  const origin = 'http://localhost:3000';

  it('accepts the Origin of the addressed host, with or without Sec-Fetch-Site: same-origin', async () => {
    expect(await sameOrigin(direct, { host, origin })).toBe(true);
    expect(await sameOrigin(direct, { host, origin, 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(await sameOrigin(direct, { host: 'LOCALHOST:3000', origin })).toBe(true);
    expect(await sameOrigin(direct, { host: 'example.test:80', origin: 'http://example.test' })).toBe(true);
  });

  it.each([
    ['no Origin', { host }],
    ['Origin null', { host, origin: 'null' }],
    ['another port', { host, origin: 'http://localhost:3001' }],
    ['another scheme', { host, origin: 'https://localhost:3000' }],
    ['another host', { host, origin: 'http://evil.example' }],
    ['an Origin with a path', { host, origin: 'http://localhost:3000/' }],
    ['Sec-Fetch-Site same-site', { host, origin, 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site cross-site', { host, origin, 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site none', { host, origin, 'sec-fetch-site': 'none' }],
    ['a malformed Host', { host: 'local host', origin }],
  ])('refuses %s', async (_case, headers: Record<string, string>) => {
    expect(await sameOrigin(direct, headers)).toBe(false);
  });

  it('uses the forwarded scheme and host only from a trusted proxy', async () => {
    const forwarded = {
      host: 'api:3000',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'rampart.example',
      origin: 'https://rampart.example',
    };
    expect(await sameOrigin(proxied, forwarded)).toBe(true);
    expect(await sameOrigin(direct, forwarded)).toBe(false);
  });
});

describe('BrowserSession CSRF tokens across a COOKIE_SECRET rotation', () => {
  const OLD = 'old-cookie-secret-0123456789-0123456789-01';
  const NEW = 'new-cookie-secret-0123456789-0123456789-01';
  const before = new BrowserSession({
    cookies: { secure: true, secret: OLD, previousSecrets: [] as string[] },
  } as ApiConfig);
  const rotated = new BrowserSession({
    cookies: { secure: true, secret: NEW, previousSecrets: [OLD] },
  } as ApiConfig);
  const dropped = new BrowserSession({
    cookies: { secure: true, secret: NEW, previousSecrets: [] as string[] },
  } as ApiConfig);

  const request = (token: string | undefined): Parameters<BrowserSession['csrfValid']>[0] =>
    ({ headers: token === undefined ? {} : { 'x-csrf-token': token } }) as Parameters<
      BrowserSession['csrfValid']
    >[0];

  it('issues tokens under the current secret and accepts those of a retired one while it is listed', () => {
    const oldToken = before.csrfToken('session-1');
    expect(rotated.csrfToken('session-1')).not.toBe(oldToken);
    expect(rotated.csrfValid(request(rotated.csrfToken('session-1')), 'session-1')).toBe(true);
    expect(rotated.csrfValid(request(oldToken), 'session-1')).toBe(true);
    expect(dropped.csrfValid(request(oldToken), 'session-1')).toBe(false);
  });

  it('refuses a token of another session, a truncated one and none, under every secret', () => {
    expect(rotated.csrfValid(request(before.csrfToken('session-2')), 'session-1')).toBe(false);
    expect(rotated.csrfValid(request(before.csrfToken('session-1').slice(1)), 'session-1')).toBe(false);
    expect(rotated.csrfValid(request(undefined), 'session-1')).toBe(false);
  });
});
