import { type RunningApi, startApiInProcess } from '../../support/in-process-api';

const RELEASE = { COMMIT_SHA: 'f42638c', BUILD_ID: 'phase1_20261122_094500', RULESET_VERSION: 'v1.0' };

describe('API HTTP surface', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApiInProcess({
      ...RELEASE,
      CORS_ORIGINS: 'https://app.example.test',
      DOCS_ENABLED: 'true',
      TRUST_PROXY: '10.9.9.9',
    });
  });
  afterAll(() => api.close());

  it('GET /__healthz answers ok with env and time, and every release header', async () => {
    const before = Date.now();
    const response = await fetch(`${api.url}/__healthz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; env: string; time: string };
    expect(body).toEqual({ status: 'ok', env: 'test', time: expect.any(String) as string });
    expect(Date.parse(body.time)).toBeGreaterThanOrEqual(before - 1_000);
    expect(response.headers.get('x-commit-sha')).toBe('f42638c');
    expect(response.headers.get('x-ruleset-version')).toBe('v1.0');
    expect(response.headers.get('x-env')).toBe('test');
    expect(response.headers.get('x-build-id')).toBe('phase1_20261122_094500');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /__version names the running release', async () => {
    const response = await fetch(`${api.url}/__version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      commit: 'f42638c',
      build_id: 'phase1_20261122_094500',
      ruleset_version: 'v1.0',
    });
  });

  it('sends security headers fit for a JSON API (no HSTS outside staging/production)', async () => {
    const response = await fetch(`${api.url}/health/live`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('answers an unknown route with problem+json, a stable code and the request id', async () => {
    const response = await fetch(`${api.url}/v1/no-such-thing?x=1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: 'urn:rampart:problem:not_found',
      title: 'Not Found',
      status: 404,
      code: 'not_found',
      instance: '/v1/no-such-thing',
      requestId: response.headers.get('x-request-id'),
    });
    // Error responses carry the release headers too.
    expect(response.headers.get('x-commit-sha')).toBe('f42638c');
  });

  it('does not take X-Request-ID from a peer that is not a trusted proxy', async () => {
    const response = await fetch(`${api.url}/__healthz`, { headers: { 'x-request-id': 'attacker-chosen' } });
    expect(response.headers.get('x-request-id')).not.toBe('attacker-chosen');
  });

  it('allows CORS from listed origins only', async () => {
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${api.url}/__healthz`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://app.example.test');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await preflight('https://evil.example.test');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the OpenAPI document when enabled, with a CSP that lets the UI render', async () => {
    const json = await fetch(`${api.url}/docs/json`);
    expect(json.status).toBe(200);
    const document = (await json.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/__healthz', '/__version', '/health/ready']),
    );
    const ui = await fetch(`${api.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe('API HTTP surface behind a trusted proxy, in staging', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApiInProcess({
      NODE_ENV: 'staging',
      JWT_SECRET: 'e2e-staging-jwt-secret-0123456789abcdef',
      COOKIE_SECRET: 'e2e-staging-cookie-secret-0123456789abcdef',
      MFA_ENCRYPTION_KEY: 'e2e-staging-mfa-key-0123456789abcdef-0123',
      TRUST_PROXY: '127.0.0.1',
    });
  });
  afterAll(() => api.close());

  it('sends HSTS', async () => {
    const response = await fetch(`${api.url}/__healthz`);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('keeps a well-formed X-Request-ID from the trusted proxy and replaces a malformed one', async () => {
    const kept = await fetch(`${api.url}/__healthz`, { headers: { 'x-request-id': 'nginx-4f1c2a' } });
    expect(kept.headers.get('x-request-id')).toBe('nginx-4f1c2a');
    const replaced = await fetch(`${api.url}/__healthz`, {
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not serve the OpenAPI document unless enabled', async () => {
    expect((await fetch(`${api.url}/docs/json`)).status).toBe(404);
  });
});
