import { type FlagFixture, booleanFlag } from '../../factories';
import { appEnv } from '../../support/app-env';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { createRoleAccounts, signInRoles } from '../support/role-sessions';

interface FlagBody {
  version: number;
  flag: FlagFixture & { enabled: boolean; description: string; archived: boolean };
}

/**
 * The flag admin API over two API processes on one database and Redis: no lost update under
 * conflicting writers, atomic multi-flag updates, rollback that every process serves within two
 * seconds, errors by field, and who may do what.
 */
describe('flags admin API over two processes', () => {
  const env = appEnv({ JWT_SECRET: 'e2e-flags-jwt-secret-that-is-long-enough-0123' });
  let a: AppProcess;
  let b: AppProcess;
  let admin: string;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    const accounts = await createRoleAccounts(env);
    [a, b] = await Promise.all([AppProcess.start('api', env), AppProcess.start('api', env)]);
    ({ admin, operator, viewer } = await signInRoles(a.url, accounts));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const call = (
    process: AppProcess,
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer> =>
    callApi(process.url, method, path, { token, ...(body ? { body } : {}), ...(headers ? { headers } : {}) });

  const currentVersion = async (): Promise<number> =>
    (await call(a, 'GET', '/v1/admin/flags', admin)).body.version as number;

  /** Creates a flag on process A and answers the new version. */
  const create = async (flag: FlagFixture): Promise<number> => {
    const created = await call(a, 'POST', '/v1/admin/flags', admin, {
      flag,
      reason: 'e2e setup',
      expectedVersion: await currentVersion(),
    });
    expect(created.status).toBe(201);
    return created.body.version as number;
  };

  it('refuses a write that does not say what it saw, and creates one that does', async () => {
    const flag = booleanFlag();
    const blind = await call(a, 'POST', '/v1/admin/flags', admin, { flag, reason: 'no precondition' });
    expect(blind.status).toBe(428);
    expect(blind.body.code).toBe('precondition_required');

    const read = await call(b, 'GET', '/v1/admin/flags', admin);
    const etag = read.headers.get('etag') ?? '';
    expect(etag).toBe(`"${read.body.version as number}"`);
    const created = await call(
      b,
      'POST',
      '/v1/admin/flags',
      admin,
      { flag, reason: 'launch' },
      { 'if-match': etag },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/admin/flags/${flag.key}`);
    expect(created.headers.get('etag')).toBe(`"${(read.body.version as number) + 1}"`);

    const again = await call(a, 'POST', '/v1/admin/flags', admin, {
      flag,
      reason: 'twice',
      expectedVersion: (created.body as unknown as FlagBody).version,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('flag_exists');
  });

  it('answers a stale If-Match with 412 and a stale expectedVersion with 409, naming what changed since', async () => {
    const flag = booleanFlag();
    const seen = await currentVersion();
    await create(flag);
    const byHeader = await call(
      b,
      'PATCH',
      `/v1/admin/flags/${flag.key}`,
      admin,
      { changes: { description: 'late' }, reason: 'stale' },
      { 'if-match': `"${seen}"` },
    );
    expect(byHeader.status).toBe(412);
    expect(byHeader.body).toMatchObject({
      code: 'version_conflict',
      currentVersion: seen + 1,
      changedSince: [`flag:${flag.key}`],
    });
    const byBody = await call(b, 'PATCH', `/v1/admin/flags/${flag.key}`, admin, {
      changes: { description: 'late' },
      reason: 'stale',
      expectedVersion: seen,
    });
    expect(byBody.status).toBe(409);
  });

  it('lets exactly one of 100 conflicting writers on two processes win; nothing is silently overwritten', async () => {
    const flag = booleanFlag();
    const base = await create(flag);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, writer) =>
        call(
          writer % 2 ? b : a,
          'PATCH',
          `/v1/admin/flags/${flag.key}`,
          admin,
          { changes: { description: `writer ${writer}` }, reason: `writer ${writer}` },
          { 'if-match': `"${base}"` },
        ),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(99);
    const winner = answers.find((answer) => answer.status === 200)?.body as unknown as FlagBody;

    const stored = (await call(b, 'GET', `/v1/admin/flags/${flag.key}`, admin)).body as unknown as FlagBody;
    expect(stored.flag.description).toBe(winner.flag.description);
    const history = await call(a, 'GET', `/v1/admin/flags/history?flag=${flag.key}`, admin);
    const versions = (history.body.items as { version: number; reason: string }[]).map((item) => item.reason);
    expect(versions).toEqual([winner.flag.description, 'e2e setup']);
  });

  it('changes several flags in one version, or none when one of them is invalid', async () => {
    const flags = [
      booleanFlag({ enabled: false }),
      booleanFlag({ enabled: false }),
      booleanFlag({ enabled: false }),
    ];
    for (const flag of flags) await create(flag);
    const base = await currentVersion();
    const invalid = await call(a, 'POST', '/v1/admin/flags/update', admin, {
      expectedVersion: base,
      reason: 'launch with a typo',
      updates: { [flags[0]!.key]: true, [flags[1]!.key]: { defaultVariant: 'nope' } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toHaveProperty([`updates.${flags[1]!.key}.defaultVariant`]);
    expect(await currentVersion()).toBe(base);

    const updated = await call(a, 'POST', '/v1/admin/flags/update', admin, {
      expectedVersion: base,
      reason: 'launch the checkout trio',
      updates: Object.fromEntries(flags.map((flag) => [flag.key, true])),
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: base + 1, changed: true });
    expect((updated.body.changes as unknown[]).length).toBe(3);
  });

  it('rolls back to a version, to the previous one, and all off; the other process serves it within 2 s', async () => {
    const flag = booleanFlag();
    await create(flag);
    const servedOnB = async (): Promise<boolean | undefined> => {
      const own = await call(b, 'GET', '/v1/flags', viewer);
      const entry = (own.body.flags as { key: string; value: boolean }[]).find(
        (item) => item.key === flag.key,
      );
      return entry?.value;
    };
    const until = async (expected: boolean | undefined): Promise<number> => {
      const started = Date.now();
      while ((await servedOnB()) !== expected) {
        if (Date.now() - started > 2_000)
          throw new Error(`process B did not serve ${String(expected)} within 2 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Date.now() - started;
    };
    await until(true);

    const before = await currentVersion();
    const off = await call(a, 'POST', '/v1/admin/flags/rollback', operator, {
      allOff: true,
      reason: 'incident 42',
      expectedVersion: before,
    });
    expect(off.status).toBe(200);
    expect(await until(false)).toBeLessThan(2_000);

    const restore = await call(a, 'POST', '/v1/admin/flags/rollback', operator, {
      toVersion: before,
      reason: 'incident 42 over',
      expectedVersion: before + 1,
    });
    expect(restore.status).toBe(200);
    expect(await until(true)).toBeLessThan(2_000);

    const previous = await call(a, 'POST', '/v1/admin/flags/rollback', operator, {
      reason: 'undo the restore',
      expectedVersion: before + 2,
    });
    expect(previous.status).toBe(200);
    expect(await until(false)).toBeLessThan(2_000);

    const history = await call(b, 'GET', '/v1/admin/flags/history?limit=3', viewer);
    expect(history.body.items).toMatchObject([
      { version: before + 3, kind: 'rollback', restoredFrom: before + 1, reason: 'undo the restore' },
      { version: before + 2, kind: 'rollback', restoredFrom: before, reason: 'incident 42 over' },
      { version: before + 1, kind: 'rollback', restoredFrom: null, reason: 'incident 42' },
    ]);
  });

  it('refuses malformed flags with 400 naming the field, and reserved or invalid keys', async () => {
    const expectedVersion = await currentVersion();
    const cases: [unknown, string][] = [
      [booleanFlag({ key: 'history' }), 'flag.key'],
      [booleanFlag({ key: 'Upper' }), 'flag.key'],
      [booleanFlag({ variants: { on: 'yes', off: false } }), 'flag.variants.on'],
      [
        booleanFlag({
          rules: [
            {
              conditions: [{ attribute: 'plan', operator: 'matches', values: ['x'] }],
              serve: { variant: 'on' },
            },
          ],
        }),
        'flag.rules[0].conditions[0].operator',
      ],
    ];
    for (const [flag, field] of cases) {
      const refused = await call(a, 'POST', '/v1/admin/flags', admin, {
        flag,
        reason: 'bad',
        expectedVersion,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
      expect(refused.body.errors).toHaveProperty([field]);
    }
    expect(await currentVersion()).toBe(expectedVersion);
  });

  it('lets viewers read, operators switch and roll back, and only admins edit', async () => {
    const flag = booleanFlag();
    const version = await create(flag);
    expect((await call(b, 'GET', `/v1/admin/flags/${flag.key}`, viewer)).status).toBe(200);
    const edit = { changes: { description: 'x' }, reason: 'x', expectedVersion: version };
    expect((await call(b, 'PATCH', `/v1/admin/flags/${flag.key}`, viewer, edit)).status).toBe(403);
    expect((await call(b, 'PATCH', `/v1/admin/flags/${flag.key}`, operator, edit)).status).toBe(403);
    const toggled = await call(b, 'PUT', `/v1/admin/flags/${flag.key}/enabled`, operator, {
      enabled: false,
      reason: 'kill switch',
      expectedVersion: version,
    });
    expect(toggled.status).toBe(200);
    expect((toggled.body as unknown as FlagBody).flag.enabled).toBe(false);

    const audit = await call(a, 'GET', '/v1/admin/flags/audit?limit=200', admin);
    const entry = (
      audit.body.items as { targetId: string; action: string; changes: { after: { reason: string } } }[]
    ).find((item) => item.targetId === String(version + 1));
    expect(entry).toMatchObject({ action: 'flags.changed', changes: { after: { reason: 'kill switch' } } });
  });
});
