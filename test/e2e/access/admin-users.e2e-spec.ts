import { type ApiAnswer, callApi } from '../support/api-call';
import { type TestUser, createActiveUser } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { randomSuffix } from '../../support/run-settings';
import { type SignedIn, signIn, signInWithMfa } from '../support/sign-in';

describe('admin user management', () => {
  let api: RunningApi;
  let admin: SignedIn;
  let adminUser: TestUser;

  const call = (method: string, path: string, token?: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(api.url, method, path, { token, body });
  const asAdmin = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    call(method, path, admin.accessToken, body);

  beforeAll(async () => {
    api = await startApiInProcess({ LOGIN_MAX_FAILURES: '5' });
    adminUser = await createActiveUser(api.app, { role: 'admin' });
    admin = await signInWithMfa(api.url, adminUser);
  });
  afterAll(() => api.close());

  it('lists users a page at a time, filtered, in a stable order, with the total', async () => {
    const tag = `list-${randomSuffix()}`;
    const made = [];
    for (let i = 0; i < 5; i += 1)
      made.push(await createActiveUser(api.app, { email: `${tag}-${i}@example.test` }));
    const first = await asAdmin('GET', `/v1/admin/users?q=${tag}&page=1&page_size=2`);
    const second = await asAdmin('GET', `/v1/admin/users?q=${tag}&page=2&page_size=2`);
    const third = await asAdmin('GET', `/v1/admin/users?q=${tag}&page=3&page_size=2`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, page_size: 2, total: 5 });
    const emails = [first, second, third].flatMap((page) =>
      (page.body.items as { email: string }[]).map((item) => item.email),
    );
    expect(emails).toEqual(made.map((user) => user.email));

    const operators = await asAdmin('GET', `/v1/admin/users?q=${tag}&role=operator`);
    expect(operators.body.total).toBe(0);
    expect((await asAdmin('GET', '/v1/admin/users?page_size=1000')).status).toBe(400);
    expect((await asAdmin('GET', '/v1/admin/users?role=root')).status).toBe(400);
  });

  it('applies a role change and a disable on the very next request', async () => {
    const user = await createActiveUser(api.app);
    const session = await signIn(api.url, user);
    expect((await call('GET', '/v1/admin/queues', session.accessToken)).status).toBe(403);

    const promoted = await asAdmin('PATCH', `/v1/admin/users/${user.id}`, { role: 'operator' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: user.id, role: 'operator' });
    expect((await call('GET', '/v1/admin/queues', session.accessToken)).status).toBe(200);

    expect((await asAdmin('POST', `/v1/admin/users/${user.id}/disable`)).body).toMatchObject({
      status: 'disabled',
    });
    const after = await call('GET', '/v1/auth/me', session.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('token_revoked');
    expect(
      (await call('POST', '/v1/auth/refresh', undefined, { refreshToken: session.refreshToken })).status,
    ).toBe(401);

    expect((await asAdmin('POST', `/v1/admin/users/${user.id}/enable`)).body).toMatchObject({
      status: 'active',
    });
    expect((await signIn(api.url, user)).accessToken).toBeDefined();
  });

  it('invalidates every token of a user at once (incident response)', async () => {
    const user = await createActiveUser(api.app);
    const a = await signIn(api.url, user);
    const b = await signIn(api.url, user);
    expect((await asAdmin('POST', `/v1/admin/users/${user.id}/invalidate-tokens`)).status).toBe(204);
    for (const pair of [a, b]) {
      expect((await call('GET', '/v1/auth/me', pair.accessToken)).status).toBe(401);
      expect(
        (await call('POST', '/v1/auth/refresh', undefined, { refreshToken: pair.refreshToken })).status,
      ).toBe(401);
    }
  });

  it('locks and unlocks sign-in for a user', async () => {
    const user = await createActiveUser(api.app);
    const locked = await asAdmin('POST', `/v1/admin/users/${user.id}/lock`);
    expect(locked.status).toBe(200);
    expect(Date.parse(String(locked.body.lockedUntil))).toBeGreaterThan(Date.now());
    const refused = await call('POST', '/v1/auth/login', undefined, {
      email: user.email,
      password: user.password,
    });
    expect(refused.status).toBe(429);
    expect((await asAdmin('POST', `/v1/admin/users/${user.id}/unlock`)).status).toBe(204);
    expect(
      (await call('POST', '/v1/auth/login', undefined, { email: user.email, password: user.password }))
        .status,
    ).toBe(200);
  });

  it("lists and ends a user's sessions; users see and end their own", async () => {
    const user = await createActiveUser(api.app);
    const here = await signIn(api.url, user);
    const there = await signIn(api.url, user);

    const listed = await asAdmin('GET', `/v1/admin/users/${user.id}/sessions`);
    expect(listed.status).toBe(200);
    const sessions = listed.body as unknown as { id: string }[];
    expect(sessions).toHaveLength(2);

    const own = (await call('GET', '/v1/auth/sessions', here.accessToken)).body as unknown as {
      id: string;
      current: boolean;
    }[];
    expect(own.filter((session) => session.current)).toHaveLength(1);
    const other = own.find((session) => !session.current);
    expect((await call('DELETE', `/v1/auth/sessions/${other?.id}`, here.accessToken)).status).toBe(204);
    expect((await call('GET', '/v1/auth/me', there.accessToken)).status).toBe(401);
    expect((await call('GET', '/v1/auth/me', here.accessToken)).status).toBe(200);

    const current = own.find((session) => session.current);
    expect((await asAdmin('DELETE', `/v1/admin/users/${user.id}/sessions/${current?.id}`)).status).toBe(204);
    expect((await call('GET', '/v1/auth/me', here.accessToken)).status).toBe(401);
    // Not a session of this user: not found, whoever asks.
    const stranger = await createActiveUser(api.app);
    const strangerSession = await signIn(api.url, stranger);
    expect(
      (await call('DELETE', `/v1/auth/sessions/${current?.id}`, strangerSession.accessToken)).status,
    ).toBe(404);
  });

  it('refuses an admin changing their own account, unknown users and malformed ids', async () => {
    const self = await asAdmin('PATCH', `/v1/admin/users/${adminUser.id}`, { role: 'viewer' });
    expect(self).toMatchObject({ status: 409, body: { code: 'cannot_change_own_account' } });
    expect((await asAdmin('GET', '/v1/admin/users/6f1c1a6e-8d2a-4a8e-9a5e-2f4f0e0b7c11')).body.code).toBe(
      'user_not_found',
    );
    expect((await asAdmin('GET', '/v1/admin/users/not-a-uuid')).status).toBe(400);
    expect((await asAdmin('PATCH', `/v1/admin/users/${adminUser.id}`, { role: 'root' })).status).toBe(400);
  });
});
