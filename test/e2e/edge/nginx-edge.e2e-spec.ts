// docker/nginx/nginx.conf run for real: Debian's nginx with the production file (only the snippets of
// environment/ are the test's), certificates made for this run, two API processes behind it. What the
// static checks in test/deploy can only read, this proves: TLS versions and ciphers, the redirect,
// HSTS, /metrics hidden, the headers the replicas get, the client address the API records (and that
// a client cannot choose it), load balancing, and the edge rate limits in problem+json.
import http from 'node:http';
import tls from 'node:tls';
import { appEnv } from '../../support/app-env';
import { freePort } from '../../support/free-port.mts';
import { parseExposition } from '../../support/prometheus-text';
import { type TestUser, uniqueEmail } from '../../factories';
import { type EdgeStack, startEdgeStack } from '../support/api-replica';
import type { AppProcess } from '../support/app-process';
import { type EdgeResponse, edgeRequest, headerValues } from '../support/edge-client';
import { NginxServer } from '../support/nginx-server';
import type { TestCertificates } from '../support/tls-certs';

const HSTS = 'max-age=31536000; includeSubDomains';
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/** A fresh loopback source address per use: each gets its own budget in nginx's per-address zones. */
let lastHost = 10;
function newClientAddress(): string {
  lastHost += 1;
  return `127.0.9.${lastHost}`;
}

let certificates: TestCertificates;

/** TLS handshake with the given client limits: the negotiated version, or the error that ended it. */
function handshake(
  port: number,
  options: tls.ConnectionOptions,
): Promise<{ protocol?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: certificates.ca,
      ...options,
    });
    socket.once('secureConnect', () => {
      const protocol = socket.getProtocol() ?? undefined;
      socket.end();
      resolve({ protocol });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

/**
 * An answer nginx wrote itself, in the shape of the API's errors (libs/http problem.ts), with HSTS;
 * never the API's (its release headers are missing). Returns the problem document.
 */
function expectEdgeProblem(response: EdgeResponse, status: number, code: string): Record<string, unknown> {
  expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
    status,
    contentType: PROBLEM_JSON,
  });
  expect(headerValues(response, 'strict-transport-security')).toEqual([HSTS]);
  expect(response.headers['x-commit-sha']).toBeUndefined();
  const problem = JSON.parse(response.body) as Record<string, unknown>;
  expect(problem).toEqual({
    type: `urn:rampart:problem:${code}`,
    title: expect.any(String) as string,
    status,
    ...('detail' in problem ? { detail: expect.any(String) as string } : {}),
    code,
    requestId: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
  });
  return problem;
}

/** nginx's 429, which also says when to retry and carries the request id as a header. */
function expectRateLimitedProblem(response: EdgeResponse): void {
  const problem = expectEdgeProblem(response, 429, 'rate_limited');
  expect(response.headers['retry-after']).toBe('1');
  expect(problem.requestId).toBe(response.headers['x-request-id']);
}

describe('nginx in front of two API processes', () => {
  let stack: EdgeStack | undefined;
  let replicas: AppProcess[] = [];
  let nginx: NginxServer;
  let user: TestUser;
  const env = appEnv({
    JWT_SECRET: 'e2e-nginx-edge-jwt-secret-that-is-long-enough-01',
    // nginx reaches the replicas from 127.0.0.1; clients speak from other loopback addresses.
    TRUST_PROXY: '127.0.0.1',
  });

  const viaNginx = (path: string, options: Parameters<typeof edgeRequest>[1] = {}): Promise<EdgeResponse> =>
    edgeRequest(`${nginx.httpsUrl}${path}`, { ca: certificates.ca, ...options });

  async function signIn(from: string, headers: Record<string, string> = {}): Promise<string> {
    const response = await viaNginx('/v1/auth/login', {
      method: 'POST',
      from,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(response.status).toBe(200);
    return (JSON.parse(response.body) as { accessToken: string }).accessToken;
  }

  /** The client address the API stored for the session the token belongs to. */
  async function recordedAddress(accessToken: string): Promise<string | null | undefined> {
    const response = await viaNginx('/v1/auth/sessions', {
      from: newClientAddress(),
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    const sessions = JSON.parse(response.body) as { current: boolean; ipAddress: string | null }[];
    return sessions.find((session) => session.current)?.ipAddress;
  }

  beforeAll(async () => {
    stack = await startEdgeStack(env);
    ({ certificates, user, replicas, nginx } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('TLS', () => {
    it.each(['TLSv1.3', 'TLSv1.2'] as const)(
      'negotiates %s with a certificate the client verifies',
      async (version) => {
        const result = await handshake(nginx.httpsPort, { minVersion: version, maxVersion: version });
        expect(result).toEqual({ protocol: version });
      },
    );

    it.each(['TLSv1.1', 'TLSv1'] as const)('refuses %s, which this client can speak', async (version) => {
      // SECLEVEL=0 lets OpenSSL 3 offer the old versions at all; the control server below proves it does.
      const legacy: tls.ConnectionOptions = {
        minVersion: version,
        maxVersion: version,
        ciphers: 'DEFAULT@SECLEVEL=0',
      };
      const control = tls.createServer({
        cert: certificates.fullchain,
        key: certificates.privkey,
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
      try {
        const address = control.address();
        const controlPort = typeof address === 'object' && address ? address.port : 0;
        expect(await handshake(controlPort, legacy)).toEqual({ protocol: version });
      } finally {
        control.close();
      }
      const result = await handshake(nginx.httpsPort, legacy);
      expect(result.protocol).toBeUndefined();
      expect(result.error).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION/);
    });

    it('refuses TLS 1.2 suites without forward secrecy or AEAD', async () => {
      for (const ciphers of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256']) {
        const result = await handshake(nginx.httpsPort, {
          minVersion: 'TLSv1.2',
          maxVersion: 'TLSv1.2',
          ciphers,
        });
        expect({ ciphers, ...result }).toEqual({
          ciphers,
          error: expect.stringMatching(/HANDSHAKE_FAILURE|NO_SHARED_CIPHER/) as string,
        });
      }
    });
  });

  describe('plain HTTP', () => {
    it.each([
      ['GET', '/'],
      ['GET', '/v1/auth/me'],
      ['GET', '/health/live?probe=1&x=%2F'],
      ['POST', '/v1/auth/login'],
      ['GET', '/metrics'],
    ])('%s %s moves permanently to the same URL over HTTPS', async (method, path) => {
      const response = await edgeRequest(`${nginx.httpUrl}${path}`, { method, from: newClientAddress() });
      expect(response.status).toBe(301);
      // $host carries no port: in production HTTPS is on 443.
      expect(response.headers.location).toBe(`https://localhost${path}`);
      // Nothing reached the API: plain HTTP is never proxied.
      expect(response.headers['x-commit-sha']).toBeUndefined();
    });

    it('answers ACME challenges over plain HTTP instead of redirecting them', async () => {
      const response = await edgeRequest(`${nginx.httpUrl}/.well-known/acme-challenge/some-token`);
      expect(response.status).toBe(404);
    });
  });

  describe('HSTS', () => {
    it.each([
      ['an API answer', '/health/live', 200],
      ['an API error', '/v1/no-such-route', 404],
      ['an unauthenticated call', '/v1/auth/me', 401],
      ["nginx's own /metrics refusal", '/metrics', 404],
    ])('is sent once on %s', async (_, path, status) => {
      const response = await viaNginx(path, { from: newClientAddress() });
      expect(response.status).toBe(status);
      expect(headerValues(response, 'strict-transport-security')).toEqual([HSTS]);
    });
  });

  describe('/metrics', () => {
    it('is served by each API process to whoever reaches it directly (Prometheus on the backend network)', async () => {
      for (const replica of replicas) {
        const response = await edgeRequest(`${replica.url}/metrics`);
        expect(response.status).toBe(200);
      }
    });

    it.each([
      '/metrics',
      '/METRICS',
      '/metrics/',
      '/metrics?format=prometheus',
      '//metrics',
      '/%6Detrics',
      '/./metrics',
      '/v1/../metrics',
    ])('is 404 from nginx for %s, never proxied', async (path) => {
      const response = await viaNginx(path, { from: newClientAddress() });
      // The release headers are the API's: their absence shows nginx answered.
      expectEdgeProblem(response, 404, 'not_found');
      expect(response.body).not.toContain('http_requests_total');
    });
  });

  describe('the client address the API records', () => {
    it('is the address nginx saw, believed from nginx through TRUST_PROXY', async () => {
      const from = newClientAddress();
      expect(await recordedAddress(await signIn(from))).toBe(from);
    });

    it.each<[string, Record<string, string>]>([
      ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.7' }],
      ['X-Forwarded-For naming nginx', { 'x-forwarded-for': '203.0.113.7, 127.0.0.1' }],
      ['X-Real-IP', { 'x-real-ip': '203.0.113.8' }],
      ['Forwarded', { forwarded: 'for=203.0.113.9;proto=https' }],
      [
        'all of them',
        { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8', forwarded: 'for=203.0.113.9' },
      ],
    ])('cannot be chosen by the client with %s', async (_, headers) => {
      const from = newClientAddress();
      expect(await recordedAddress(await signIn(from, headers))).toBe(from);
    });

    it('comes from X-Forwarded-For only when nginx (a TRUST_PROXY address) sent it', async () => {
      // Straight to a replica from an address outside TRUST_PROXY: the header is ignored. (From
      // 127.0.0.1 it would be believed; in compose only nginx shares the edge network with the API.)
      const from = newClientAddress();
      const response = await edgeRequest(`${replicas[0]!.url}/v1/auth/login`, {
        method: 'POST',
        from,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      expect(response.status).toBe(200);
      const { accessToken } = JSON.parse(response.body) as { accessToken: string };
      expect(await recordedAddress(accessToken)).toBe(from);
    });
  });

  describe('what the replicas are told', () => {
    let echo: http.Server;
    let echoNginx: NginxServer;
    const received: http.IncomingHttpHeaders[] = [];

    beforeAll(async () => {
      // The same production configuration with a header-echoing upstream: what nginx sends is
      // visible in full, not only where the API happens to use it.
      echo = http.createServer((request, response) => {
        received.push(request.headers);
        request.resume();
        // As the API does in production: nginx must replace it with its own, not send two.
        response.setHeader('strict-transport-security', 'max-age=60');
        request.on('end', () => response.end('ok'));
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      const address = echo.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      echoNginx = await NginxServer.start({ upstreams: [`127.0.0.1:${port}`], certificates });
    });

    afterAll(async () => {
      await echoNginx?.stop();
      await new Promise((resolve) => echo?.close(resolve));
    });

    it('replaces every forwarding header a client sends with what nginx knows', async () => {
      const from = newClientAddress();
      const spoofed = {
        'x-forwarded-for': '203.0.113.7',
        'x-real-ip': '203.0.113.8',
        forwarded: 'for=203.0.113.9;proto=http',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'evil.example',
        'x-request-id': 'chosen-by-the-client',
      };
      for (const headers of [{}, spoofed]) {
        received.length = 0;
        const response = await edgeRequest(`${echoNginx.httpsUrl}/v1/anything?q=1`, {
          ca: certificates.ca,
          from,
          headers,
        });
        expect(response.status).toBe(200);
        expect(headerValues(response, 'strict-transport-security')).toEqual([HSTS]);
        const seen = received[0] ?? {};
        expect({
          host: seen.host,
          'x-real-ip': seen['x-real-ip'],
          'x-forwarded-for': seen['x-forwarded-for'],
          'x-forwarded-proto': seen['x-forwarded-proto'],
          'x-forwarded-host': seen['x-forwarded-host'],
          forwarded: seen.forwarded,
          connection: seen.connection,
        }).toEqual({
          host: 'localhost',
          'x-real-ip': from,
          'x-forwarded-for': from,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'localhost',
          forwarded: undefined,
          // No "close": the connection to the replica is kept alive for the next request.
          connection: undefined,
        });
        expect(seen['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      }
    });

    it('gives every request a new id, and the API answers with the one nginx gave', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 3; i += 1) {
        const response = await viaNginx('/health/live', {
          from: newClientAddress(),
          headers: { 'x-request-id': 'fixed-id' },
        });
        const id = String(response.headers['x-request-id']);
        expect(id).toMatch(/^[0-9a-f]{32}$/);
        ids.add(id);
      }
      expect(ids.size).toBe(3);
      const logged = (await nginx.accessLog()).filter((line) =>
        [...ids].some((id) => line.includes(`rid=${id}`)),
      );
      expect(logged).toHaveLength(3);
    });

    it('stops bodies over the API body limit (256 KiB) at the edge', async () => {
      received.length = 0;
      const response = await edgeRequest(`${echoNginx.httpsUrl}/v1/auth/register`, {
        ca: certificates.ca,
        from: newClientAddress(),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(300 * 1024, 'a'),
      });
      expectEdgeProblem(response, 413, 'payload_too_large');
      expect(received).toHaveLength(0);
    });
  });

  describe('with no replica answering', () => {
    let orphan: NginxServer;

    beforeAll(async () => {
      // Upstream ports nothing listens on: every connection is refused.
      orphan = await NginxServer.start({
        upstreams: [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`],
        certificates,
      });
    });

    afterAll(() => orphan?.stop());

    it('answers 502 in problem+json', async () => {
      const response = await edgeRequest(`${orphan.httpsUrl}/health/live`, {
        ca: certificates.ca,
        from: newClientAddress(),
      });
      expectEdgeProblem(response, 502, 'upstream_unavailable');
    });
  });

  describe('load balancing', () => {
    async function liveCount(replica: AppProcess): Promise<number> {
      const response = await edgeRequest(`${replica.url}/metrics`);
      return parseExposition(response.body).value('http_requests_total', {
        method: 'GET',
        route: '/health/live',
      });
    }

    it('spreads requests over both processes', async () => {
      const before = await Promise.all(replicas.map(liveCount));
      // 4 clients x 10: fewer than a client's burst, so no request is limited.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const from = newClientAddress();
          for (let i = 0; i < 10; i += 1) expect((await viaNginx('/health/live', { from })).status).toBe(200);
        }),
      );
      const after = await Promise.all(replicas.map(liveCount));
      const served = after.map((count, i) => count - (before[i] ?? 0));
      expect(served.reduce((sum, count) => sum + count, 0)).toBe(40);
      // Round robin: about half each (a little skew from two nginx workers).
      for (const count of served) expect(count).toBeGreaterThanOrEqual(12);
    });
  });

  describe('edge rate limits', () => {
    it('answers a burst over 10 r/s from one address with 429 problem+json, other addresses unaffected', async () => {
      const from = newClientAddress();
      const burst = await Promise.all(Array.from({ length: 45 }, () => viaNginx('/health/live', { from })));
      const limited = burst.filter((response) => response.status === 429);
      // 1 + burst 20 pass at once; the rest of the 45, sent within a fraction of a second, do not.
      expect(burst.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(21);
      expect(burst.filter((response) => response.status === 200).length).toBeLessThan(30);
      expect(limited.length + burst.filter((response) => response.status === 200).length).toBe(45);
      for (const response of limited) expectRateLimitedProblem(response);
      expect((await viaNginx('/health/live', { from: newClientAddress() })).status).toBe(200);
    });

    it('allows 5 sign-ins a minute per address: the 6th is 429 from nginx, other routes still pass', async () => {
      const from = newClientAddress();
      const attempt = (): Promise<EdgeResponse> =>
        viaNginx('/v1/auth/login', {
          method: 'POST',
          from,
          headers: { 'content-type': 'application/json' },
          // An unknown address: the API's own lockout of an account must not be what answers.
          body: JSON.stringify({ email: uniqueEmail(), password: 'not-the-password-1' }),
        });
      const answers: EdgeResponse[] = [];
      for (let i = 0; i < 6; i += 1) answers.push(await attempt());
      // The first five reach the API (wrong password: its 401); the sixth never does.
      expect(answers.slice(0, 5).map((response) => response.status)).toEqual([401, 401, 401, 401, 401]);
      expectRateLimitedProblem(answers[5]!);
      expect((await viaNginx('/health/live', { from })).status).toBe(200);
    });
  });
});
