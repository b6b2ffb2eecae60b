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
    const { token } = tokens.sign({
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

describe('Authenticator.readStateEarly', () => {
  /** A TokenState that records what authenticate() was given; the real one is covered end to end. */
  function recordingState(read: () => Promise<(string | null)[]>) {
    const calls = { reads: 0, authorizedWith: [] as unknown[] };
    const state = {
      readState: () => {
        calls.reads += 1;
        return read();
      },
      authorize: (claims: { sub: string; sid: string }, early?: Promise<unknown>) => {
        calls.authorizedWith.push(early);
        return Promise.resolve({ kind: 'user', userId: claims.sub, sessionId: claims.sid });
      },
    };
    return { calls, state: state as unknown as TokenState };
  }

  async function bearerRequest(app: FastifyInstance, handler: (request: FastifyRequest) => Promise<unknown>) {
    const { token } = tokens.sign({
      userId: 'u-2',
      sessionId: 's-2',
      role: 'viewer',
      amr: ['pwd'],
      tokenVersion: 0,
    });
    app.get('/', handler);
    await app.ready();
    return app.inject({ url: '/', headers: { authorization: `Bearer ${token}` } });
  }

  it('hands the read it started to authenticate, which reads nothing more, and uses it once', async () => {
    const read = Promise.resolve([null, '1', null, null, null]);
    const { calls, state } = recordingState(() => read);
    const subject = new Authenticator(tokens, state, new BrowserSession(config), {} as SdkKeyCredentials);
    const app = Fastify();
    const response = await bearerRequest(app, async (request) => {
      const presented = await subject.presentedToken(request);
      if (!presented) throw new Error('no token');
      subject.readStateEarly(request, presented);
      subject.readStateEarly(request, presented);
      await subject.authenticate(request);
      await subject.authenticate(request);
      return 'ok';
    });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(calls.reads).toBe(1);
    expect(calls.authorizedWith).toEqual([read, undefined]);
  });

  it('lets a failed read that nobody awaits (the limiter refused) go without an unhandled rejection', async () => {
    const { calls, state } = recordingState(() => Promise.reject(new Error('redis away')));
    const subject = new Authenticator(tokens, state, new BrowserSession(config), {} as SdkKeyCredentials);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    const app = Fastify();
    try {
      const response = await bearerRequest(app, async (request) => {
        const presented = await subject.presentedToken(request);
        if (presented) subject.readStateEarly(request, presented);
        return 'refused before the access guard';
      });
      expect(response.statusCode).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await app.close();
    }
    expect(calls.reads).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
