import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ApiConfig } from '@rampart/config';
import { AccessTokens } from './access-tokens';
import { Authenticator, type PresentedToken } from './authenticator';
import { BrowserSession } from './browser-session';
import type { SdkKeyCredentials } from './sdk-key-credentials';
import type { TokenState } from './token-state';

const config = {
  jwt: {
    secret: 'unit-test-jwt-secret-of-at-least-32-bytes',
    previousSecrets: [] as string[],
    issuer: 'rampart',
    audience: 'rampart-api',
    accessTokenTtlSeconds: 900,
  },
  cookies: {
    secure: false,
    secret: 'unit-test-cookie-secret-of-at-least-32-bytes',
    previousSecrets: [] as string[],
  },
} as ApiConfig;

const tokens = new AccessTokens(config);
const verify = jest.spyOn(tokens, 'verify');
// presentedToken of an access token consults neither the live token state nor the SDK keys;
// authenticate (which does) is covered end to end.
const authenticator = new Authenticator(
  tokens,
  {} as TokenState,
  new BrowserSession(config),
  {} as SdkKeyCredentials,
);

/** A bare app whose route asks for the presented token `times` times on the same request. */
async function asker(times: number): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(cookie);
  app.get('/', async (request: FastifyRequest) => {
    const answers: (PresentedToken | undefined | string)[] = [];
    for (let i = 0; i < times; i += 1) {
      answers.push(await authenticator.presentedToken(request).catch((error: Error) => error.message));
    }
    return answers.map((answer) => (typeof answer === 'object' ? answer.caller : (answer ?? null)));
  });
  await app.ready();
  return app;
}

describe('Authenticator.presentedToken', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await asker(3);
  });
  afterAll(() => app.close());
  beforeEach(() => verify.mockClear());

  it('verifies a token once per request however often it is asked, and names its user', async () => {
    const { token } = await tokens.sign({
      userId: 'u-1',
      sessionId: 's-1',
      role: 'viewer',
      amr: ['pwd'],
      tokenVersion: 0,
    });
    const response = await app.inject({ url: '/', headers: { authorization: `Bearer ${token}` } });
    expect(response.json()).toEqual(['user:u-1', 'user:u-1', 'user:u-1']);
    expect(verify).toHaveBeenCalledTimes(1);

    await app.inject({ url: '/', headers: { authorization: `Bearer ${token}` } });
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('refuses a forged token to every asker of the request, verifying it once', async () => {
    const response = await app.inject({ url: '/', headers: { authorization: 'Bearer a.b.c' } });
    const answers = response.json<string[]>();
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/token/i);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('has nothing for a request without a token, and verifies nothing', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.json()).toEqual([null, null, null]);
    expect(verify).not.toHaveBeenCalled();
  });
});
