import { appEnv } from '../../support/app-env';
import { AppProcess } from '../support/app-process';
import { RELEASE, edgeViolations, headerRecord, securityHeadersOf } from '../support/edge-assertions';
import { type RawResponse, rawHttp } from '../support/raw-http';

/**
 * Answers produced outside Nest (Fastify's router, Node's HTTP parser, the CORS plugin) must look
 * like every other answer: release headers, request id, security headers, problem+json with a code.
 */
describe('API answers produced at the HTTP edge', () => {
  let api: AppProcess;
  let security: Record<string, string | undefined>;

  const viaFetch = async (path: string, init: RequestInit = {}): Promise<RawResponse> => {
    const response = await fetch(`${api.url}${path}`, init);
    return { status: response.status, headers: headerRecord(response.headers), body: await response.text() };
  };
  const expectProblem = (response: RawResponse, status: number, code: string): Record<string, unknown> => {
    expect({
      status: response.status,
      violations: edgeViolations(response.status, response.headers, response.body, security),
    }).toEqual({
      status,
      violations: [],
    });
    const problem = JSON.parse(response.body) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: `urn:rampart:problem:${code}`, status, code });
    return problem;
  };

  beforeAll(async () => {
    api = await AppProcess.start('api', appEnv({ ...RELEASE, CORS_ORIGINS: 'https://app.example.test' }));
    security = securityHeadersOf(headerRecord((await fetch(`${api.url}/health/live`)).headers));
    expect(security['x-content-type-options']).toBe('nosniff');
  });
  afterAll(() => api?.stop());

  it('answers a path parameter that is not valid percent-encoding with 400 malformed_url', async () => {
    const problem = expectProblem(await viaFetch('/v1/admin/users/%FF'), 400, 'malformed_url');
    expect(problem.instance).toBe('/v1/admin/users/%FF');
  });

  it('answers a path parameter over 100 characters with 414 uri_too_long', async () => {
    expectProblem(await viaFetch(`/v1/admin/users/${'a'.repeat(101)}`), 414, 'uri_too_long');
  });

  it('answers an unknown method with a complete 400 problem written to the socket', async () => {
    const response = await rawHttp(api.port, 'FROB /__healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expectProblem(response, 400, 'bad_request');
    expect(response.headers.connection).toBe('close');
  });

  it('answers a malformed Content-Length with a 400 problem written to the socket', async () => {
    const response = await rawHttp(
      api.port,
      'POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1x\r\n\r\n{}',
    );
    expectProblem(response, 400, 'bad_request');
  });

  it('answers a 20 KB header line with 431 headers_too_large', async () => {
    const response = await rawHttp(
      api.port,
      `GET /__healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expectProblem(response, 431, 'headers_too_large');
  });

  it('sends the release headers and a request id on a CORS preflight', async () => {
    const response = await viaFetch('/v1/auth/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.test');
    expect(edgeViolations(response.status, response.headers, response.body, security)).toEqual([]);
  });

  it('answers an OPTIONS without Origin with a 400 problem instead of text/plain', async () => {
    expectProblem(await viaFetch('/v1/auth/login', { method: 'OPTIONS' }), 400, 'bad_request');
  });

  it('answers a known path with the wrong method 405 with Allow', async () => {
    const response = await viaFetch('/v1/auth/login', { method: 'GET' });
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe('OPTIONS, POST');
    const withParameter = await viaFetch('/v1/admin/users/6f1c5a8e-0000-4000-8000-000000000000', {
      method: 'PUT',
    });
    expectProblem(withParameter, 405, 'method_not_allowed');
    expect(withParameter.headers.allow).toBe('GET, HEAD, OPTIONS, PATCH');
    // An unknown path stays a 404.
    expectProblem(await viaFetch('/v1/no-such-thing', { method: 'DELETE' }), 404, 'not_found');
  });
});
