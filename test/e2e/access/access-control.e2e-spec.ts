import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from '../../../apps/api/src/access/access.decorators';
import { createActiveUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { signIn, signInWithMfa } from '../support/sign-in';

type Caller = 'anonymous' | 'viewer' | 'operator' | 'admin without MFA' | 'admin with MFA';

describe('access control: default deny, permissions per role, MFA for admin routes', () => {
  let api: RunningApi;
  const tokens = new Map<Caller, string | undefined>();

  const json = async (
    path: string,
    init: RequestInit & { token?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${api.url}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  beforeAll(async () => {
    api = await startApiInProcess();
    tokens.set('anonymous', undefined);
    const token = async (role: 'viewer' | 'operator' | 'admin', mfa = false): Promise<string> => {
      const user = await createActiveUser(api.app, { role });
      return (await (mfa ? signInWithMfa : signIn)(api.url, user)).accessToken;
    };
    tokens.set('viewer', await token('viewer'));
    tokens.set('operator', await token('operator'));
    tokens.set('admin without MFA', await token('admin'));
    tokens.set('admin with MFA', await token('admin', true));
  });
  afterAll(() => api.close());

  it('marks every route of the API either @Public() or with the permissions it needs', () => {
    const unmarked: string[] = [];
    let routes = 0;
    for (const module of api.app.get(ModulesContainer).values()) {
      for (const { metatype } of module.controllers.values()) {
        if (typeof metatype !== 'function') continue;
        const controller = metatype as { name: string; prototype: Record<string, unknown> };
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = controller.prototype[name];
          if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined)
            continue;
          routes += 1;
          const marked = (key: string): unknown =>
            Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
          const permissions = marked(REQUIRED_PERMISSIONS) as string[] | undefined;
          if (marked(PUBLIC_ROUTE) !== true && !permissions?.length) {
            unmarked.push(
              `${controller.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
            );
          }
        }
      }
    }
    expect(routes).toBeGreaterThan(20);
    expect(unmarked).toEqual([]);
  });

  /** Expected statuses, in the order anonymous, viewer, operator, admin without MFA, admin with MFA. */
  const row = (
    method: string,
    path: string,
    ...codes: [number, number, number, number, number]
  ): [string, string, Record<Caller, number>] => [
    method,
    path,
    {
      anonymous: codes[0],
      viewer: codes[1],
      operator: codes[2],
      'admin without MFA': codes[3],
      'admin with MFA': codes[4],
    },
  ];
  // `ghost` ids do not exist: a caller the guard lets through gets 404, so nothing changes.
  const ghost = '6f1c1a6e-8d2a-4a8e-9a5e-2f4f0e0b7c11';
  const matrix: [string, string, Record<Caller, number>][] = [
    row('GET', '/__healthz', 200, 200, 200, 200, 200),
    row('GET', '/v1/auth/session', 200, 200, 200, 200, 200),
    row('GET', '/v1/auth/me', 401, 200, 200, 200, 200),
    row('GET', '/v1/auth/csrf', 401, 200, 200, 200, 200),
    row('GET', '/v1/auth/sessions', 401, 200, 200, 200, 200),
    row('DELETE', `/v1/auth/sessions/${ghost}`, 401, 404, 404, 404, 404),
    row('GET', '/v1/admin/queues', 401, 403, 200, 403, 200),
    row('GET', '/v1/admin/users', 401, 403, 403, 403, 200),
    row('GET', `/v1/admin/users/${ghost}`, 401, 403, 403, 403, 404),
    row('PATCH', `/v1/admin/users/${ghost}`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/lock`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/unlock`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/disable`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/enable`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/invalidate-tokens`, 401, 403, 403, 403, 404),
    row('POST', `/v1/admin/users/${ghost}/mfa/reset`, 401, 403, 403, 403, 404),
    row('GET', `/v1/admin/users/${ghost}/sessions`, 401, 403, 403, 403, 404),
    row('DELETE', `/v1/admin/users/${ghost}/sessions/${ghost}`, 401, 403, 403, 403, 404),
    row('GET', '/v1/admin/audit-logs?limit=1', 401, 403, 403, 403, 200),
    row('GET', '/v1/admin/audit-logs/verify', 401, 403, 403, 403, 200),
    row('GET', '/v1/admin/audit-logs/export?action=none', 401, 403, 403, 403, 200),
    // Flags: everyone reads, operators switch and roll back, admins edit. Writes here carry no
    // valid body, so a caller the guard lets through gets 400 and nothing changes.
    row('GET', '/v1/flags', 401, 200, 200, 200, 200),
    row('GET', '/v1/admin/flags', 401, 200, 200, 403, 200),
    row('GET', '/v1/admin/flags/history', 401, 200, 200, 403, 200),
    row('GET', '/v1/admin/flags/audit', 401, 403, 403, 403, 200),
    row('GET', '/v1/admin/flags/ghost-flag', 401, 404, 404, 403, 404),
    row('POST', '/v1/admin/flags', 401, 403, 403, 403, 400),
    row('PATCH', '/v1/admin/flags/ghost-flag', 401, 403, 403, 403, 400),
    row('PUT', '/v1/admin/flags/ghost-flag/enabled', 401, 403, 400, 403, 400),
    row('POST', '/v1/admin/flags/ghost-flag/archive', 401, 403, 403, 403, 400),
    row('POST', '/v1/admin/flags/ghost-flag/restore', 401, 403, 403, 403, 400),
    row('POST', '/v1/admin/flags/update', 401, 403, 403, 403, 400),
    row('POST', '/v1/admin/flags/rollback', 401, 403, 400, 403, 400),
    row('GET', '/v1/admin/segments', 401, 200, 200, 403, 200),
    row('GET', '/v1/admin/segments/ghost-segment', 401, 404, 404, 403, 404),
    row('POST', '/v1/admin/segments', 401, 403, 403, 403, 400),
    row('PATCH', '/v1/admin/segments/ghost-segment', 401, 403, 403, 403, 400),
    row('DELETE', '/v1/admin/segments/ghost-segment', 401, 403, 403, 403, 400),
    row('GET', '/v1/admin/sdk-keys', 401, 403, 403, 403, 200),
    row('POST', '/v1/admin/sdk-keys', 401, 403, 403, 403, 400),
    row('DELETE', `/v1/admin/sdk-keys/${ghost}`, 401, 403, 403, 403, 404),
    // Incidents: everyone reads, operators and admins write. Writes carry no valid body: 400 for
    // those let through; ghost ids give 404.
    row('GET', '/v1/admin/incidents', 401, 200, 200, 403, 200),
    // The Phase-1 dashboard: everyone who watches rollouts.
    row('GET', '/v1/admin/dashboard', 401, 200, 200, 403, 200),
    row('GET', `/v1/admin/incidents/${ghost}`, 401, 404, 404, 403, 404),
    row('POST', '/v1/admin/incidents', 401, 403, 400, 403, 400),
    row('PATCH', `/v1/admin/incidents/${ghost}`, 401, 403, 400, 403, 400),
    row('POST', `/v1/admin/incidents/${ghost}/notes`, 401, 403, 400, 403, 400),
    // OFREP is for SDK keys (service credentials); no role holds flags:evaluate.
    row('POST', '/ofrep/v1/evaluate/flags', 401, 403, 403, 403, 403),
    row('POST', '/ofrep/v1/evaluate/flags/ghost-flag', 401, 403, 403, 403, 403),
    row('POST', '/v1/telemetry/batches', 401, 403, 403, 403, 403),
  ];

  it.each(matrix)('%s %s answers each role as expected', async (method, path, expected) => {
    const actual: Partial<Record<Caller, number>> = {};
    for (const caller of Object.keys(expected) as Caller[]) {
      const body = method === 'PATCH' ? { body: JSON.stringify({ role: 'viewer' }) } : {};
      actual[caller] = (await json(path, { method, token: tokens.get(caller), ...body })).status;
    }
    expect(actual).toEqual(expected);
  });

  it('tells an admin without MFA to enrol, and a viewer which permission is missing', async () => {
    const admin = await json('/v1/admin/queues', { token: tokens.get('admin without MFA') });
    expect(admin.body).toMatchObject({ code: 'mfa_required' });
    expect(String(admin.body.detail)).toContain('/v1/auth/mfa/totp/setup');
    const viewer = await json('/v1/admin/queues', { token: tokens.get('viewer') });
    expect(viewer.body).toMatchObject({ code: 'forbidden', missing: ['queues:read'] });
  });
});
