import { RELEASE, edgeViolations, headerRecord, securityHeadersOf } from '../support/edge-assertions';
import { type SpawnedApiWithAdmin, startSpawnedApiWithAdmin } from '../support/spawned-api-with-admin';

interface Answer {
  status: number;
  problem: { code?: string; errors?: Record<string, string[]> };
  violations: string[];
}

/**
 * Inputs that crashed routes with a 500 (found in the security review), each now a 4xx
 * problem+json naming the field.
 */
describe('malformed input answered with 4xx, not 500', () => {
  let ctx: SpawnedApiWithAdmin;
  let security: Record<string, string | undefined>;

  const send = async (
    method: string,
    path: string,
    options: { body?: string; admin?: boolean } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${ctx.api.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.admin ? { authorization: `Bearer ${ctx.admin.accessToken}` } : {}),
      },
      body: options.body,
    });
    const text = await response.text();
    const headers = headerRecord(response.headers);
    return {
      status: response.status,
      problem: (headers['content-type']?.startsWith('application/problem+json')
        ? JSON.parse(text)
        : {}) as Answer['problem'],
      violations: edgeViolations(response.status, headers, text, security),
    };
  };
  const admin = (path: string): Promise<Answer> => send('GET', path, { admin: true });
  const expectFieldError = (answer: Answer, field: string): void => {
    expect({ status: answer.status, code: answer.problem.code, violations: answer.violations }).toEqual({
      status: 400,
      code: 'validation_failed',
      violations: [],
    });
    expect(Object.keys(answer.problem.errors ?? {})).toContain(field);
  };

  beforeAll(async () => {
    ctx = await startSpawnedApiWithAdmin(RELEASE);
    security = securityHeadersOf(headerRecord((await fetch(`${ctx.api.url}/health/live`)).headers));
  });
  afterAll(() => ctx?.stop());

  it('refuses NUL bytes in audit and user query strings', async () => {
    expectFieldError(await admin('/v1/admin/audit-logs?actor=%00'), 'actor');
    expectFieldError(await admin('/v1/admin/audit-logs?action=a%00b'), 'action');
    expectFieldError(await admin('/v1/admin/audit-logs/export?actor=%00'), 'actor');
    expectFieldError(await admin('/v1/admin/users?q=%00'), 'q');
  });

  it('refuses numbers and dates outside what PostgreSQL stores', async () => {
    expectFieldError(await admin('/v1/admin/audit-logs?cursor=9223372036854775808'), 'cursor');
    expectFieldError(await admin('/v1/admin/users?page=1e300'), 'page');
    expectFieldError(await admin('/v1/admin/users?page=12345678901234567890'), 'page');
    expectFieldError(await admin('/v1/admin/audit-logs?from=-271821-04-20T00:00:00.000Z'), 'from');
    expectFieldError(await admin('/v1/admin/audit-logs/export?to=%2B275760-09-13T00:00:00.000Z'), 'to');
    // The largest values that are stored still work.
    expect((await admin('/v1/admin/audit-logs?cursor=9223372036854775807')).status).toBe(200);
    expect((await admin('/v1/admin/users?page=100000')).status).toBe(200);
  });

  it('refuses 2,000 nested arrays (a 4 KB body) on public and admin routes alike', async () => {
    const deep = `{"email":${'['.repeat(2_000)}${']'.repeat(2_000)}}`;
    for (const path of ['/v1/auth/login', '/v1/auth/register', '/v1/auth/password/forgot']) {
      const answer = await send('POST', path, { body: deep });
      expect({
        path,
        status: answer.status,
        code: answer.problem.code,
        violations: answer.violations,
      }).toEqual({
        path,
        status: 400,
        code: 'body_too_deep',
        violations: [],
      });
    }
    const patch = await send('PATCH', `/v1/admin/users/${ctx.target.id}`, { body: deep, admin: true });
    expect([patch.status, patch.problem.code]).toEqual([400, 'body_too_deep']);
    // Ordinary nesting and Fastify's prototype-poisoning check are unchanged.
    const poisoned = await send('POST', '/v1/auth/login', { body: '{"__proto__":{"x":1}}' });
    expect([poisoned.status, poisoned.problem.code]).toEqual([400, 'malformed_body']);
  });

  it('refuses a lone UTF-16 surrogate in an e-mail field', async () => {
    const body = '{"email":"\\ud800","password":"violet-harbour-lantern-93"}';
    for (const path of [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/password/forgot',
      '/v1/auth/resend-verification',
    ]) {
      const answer = await send('POST', path, {
        body: path.endsWith('forgot') || path.endsWith('verification') ? '{"email":"\\ud800"}' : body,
      });
      expect({
        path,
        status: answer.status,
        code: answer.problem.code,
        violations: answer.violations,
      }).toEqual({
        path,
        status: 400,
        code: 'validation_failed',
        violations: [],
      });
      expect(answer.problem.errors).toEqual({ email: ['must be well-formed Unicode (no lone surrogates)'] });
    }
  });
});
