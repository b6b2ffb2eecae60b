import fc from 'fast-check';
import { appEnv } from '../../support/app-env';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { createRoleAccounts, signInRoles } from '../support/role-sessions';

const GHOST = '6f1c1a6e-8d2a-4a8e-9a5e-2f4f0e0b7c11';
const PROBLEM_JSON = 'application/problem+json';

/**
 * The incidents admin API over the built API: who may read and write, the lifecycle over HTTP with
 * ETags, the problem+json codes, and generated malformed bodies that never give a 500.
 */
describe('incidents admin API', () => {
  const env = appEnv({ JWT_SECRET: 'e2e-incidents-jwt-secret-that-is-long-enough-01' });
  let api: AppProcess;
  let admin: string;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    const accounts = await createRoleAccounts(env);
    api = await AppProcess.start('api', env);
    ({ admin, operator, viewer } = await signInRoles(api.url, accounts));
  });
  afterAll(async () => {
    await api?.stop();
  });

  const call = (
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiAnswer> =>
    callApi(api.url, method, path, {
      ...(token ? { token } : {}),
      ...(body ? { body } : {}),
      ...(headers ? { headers } : {}),
    });

  const openOne = async (token = operator, body: Record<string, unknown> = {}): Promise<ApiAnswer> => {
    const opened = await call('POST', '/v1/admin/incidents', token, {
      title: 'Checkout errors at 20%',
      severity: 'sev2',
      ...body,
    });
    expect(opened.status).toBe(201);
    return opened;
  };

  it('opens, reads, edits with If-Match, moves forward and adds notes', async () => {
    const opened = await openOne(operator, { symptoms: '5xx on /checkout' });
    const id = opened.body.id as string;
    expect(opened.headers.get('location')).toBe(`/v1/admin/incidents/${id}`);
    expect(opened.headers.get('etag')).toBe('"1"');
    expect(opened.body).toMatchObject({ status: 'open', version: 1, rolloutId: null, flagVersions: [] });

    const read = await call('GET', `/v1/admin/incidents/${id}`, viewer);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body.timeline).toEqual([
      expect.objectContaining({ kind: 'status_change', after: { status: 'open' } }),
    ]);

    const mitigated = await call(
      'PATCH',
      `/v1/admin/incidents/${id}`,
      operator,
      { status: 'mitigated', causeHypothesis: 'pool exhausted' },
      { 'if-match': '"1"' },
    );
    expect(mitigated.status).toBe(200);
    expect(mitigated.headers.get('etag')).toBe('"2"');
    expect(mitigated.body).toMatchObject({
      status: 'mitigated',
      causeHypothesis: 'pool exhausted',
      version: 2,
    });

    const note = await call('POST', `/v1/admin/incidents/${id}/notes`, admin, {
      body: 'rolled back by hand',
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ kind: 'note', body: 'rolled back by hand' });

    const back = await call('PATCH', `/v1/admin/incidents/${id}`, admin, {
      status: 'open',
      expectedVersion: 2,
    });
    expect(back.status).toBe(409);
    expect(back.headers.get('content-type')).toContain(PROBLEM_JSON);
    expect(back.body).toMatchObject({ code: 'invalid_transition', from: 'mitigated', to: 'open' });

    const stale = await call(
      'PATCH',
      `/v1/admin/incidents/${id}`,
      admin,
      { status: 'resolved' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
    expect(stale.headers.get('etag')).toBe('"2"');

    const blind = await call('PATCH', `/v1/admin/incidents/${id}`, admin, { status: 'resolved' });
    expect(blind.status).toBe(428);
    expect(blind.body.code).toBe('precondition_required');

    const resolved = await call('PATCH', `/v1/admin/incidents/${id}`, admin, {
      status: 'resolved',
      expectedVersion: 2,
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.resolvedAt).toEqual(expect.any(String));

    const timeline = (await call('GET', `/v1/admin/incidents/${id}`, viewer)).body.timeline as {
      kind: string;
    }[];
    expect(timeline.map((entry) => entry.kind)).toEqual([
      'status_change',
      'status_change',
      'field_change',
      'note',
      'status_change',
    ]);

    const listed = await call('GET', '/v1/admin/incidents?status=resolved&page_size=100', viewer);
    expect(listed.status).toBe(200);
    expect((listed.body.items as { id: string }[]).map((item) => item.id)).toContain(id);
    expect(listed.body).toMatchObject({ page: 1, page_size: 100 });
  });

  it('answers 404, 400 by field and unknown links with stable codes', async () => {
    const missing = await call('GET', `/v1/admin/incidents/${GHOST}`, viewer);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('incident_not_found');
    const noNote = await call('POST', `/v1/admin/incidents/${GHOST}/notes`, operator, { body: 'x' });
    expect(noNote.body.code).toBe('incident_not_found');

    const invalid = await call('POST', '/v1/admin/incidents', operator, { title: '', severity: 'sev9' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('validation_failed');
    expect(Object.keys(invalid.body.errors as object).sort()).toEqual(['severity', 'title']);

    const links = await call('POST', '/v1/admin/incidents', operator, {
      title: 'unknown evidence',
      severity: 'sev3',
      flagVersions: [2_000_000_000],
      auditEntryIds: [GHOST],
      rolloutId: GHOST,
    });
    expect(links.status).toBe(400);
    expect(links.body).toMatchObject({
      code: 'validation_failed',
      errors: {
        flagVersions: [expect.any(String)],
        auditEntryIds: [expect.any(String)],
        rolloutId: [expect.any(String)],
      },
    });
  });

  it('lets viewers read but not write, and nobody anonymous', async () => {
    const id = (await openOne(admin)).body.id as string;
    expect((await call('GET', '/v1/admin/incidents', viewer)).status).toBe(200);
    expect((await call('GET', `/v1/admin/incidents/${id}`, viewer)).status).toBe(200);
    const write = await call('POST', '/v1/admin/incidents', viewer, { title: 'no', severity: 'sev4' });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ code: 'forbidden', missing: ['incidents:write'] });
    expect((await call('PATCH', `/v1/admin/incidents/${id}`, viewer, { status: 'resolved' })).status).toBe(
      403,
    );
    expect((await call('POST', `/v1/admin/incidents/${id}/notes`, viewer, { body: 'no' })).status).toBe(403);
    for (const [method, path] of [
      ['GET', '/v1/admin/incidents'],
      ['POST', '/v1/admin/incidents'],
      ['GET', `/v1/admin/incidents/${id}`],
      ['PATCH', `/v1/admin/incidents/${id}`],
      ['POST', `/v1/admin/incidents/${id}/notes`],
    ] as const) {
      const body = method === 'GET' ? undefined : { title: 'x', severity: 'sev4' };
      const anonymous = await call(method, path, undefined, body);
      expect(anonymous.status).toBe(401);
    }
  });

  it('never answers a generated malformed body with a 5xx', async () => {
    const id = (await openOne(operator)).body.id as string;
    const value: fc.Arbitrary<unknown> = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(fc.integer(), fc.string(), fc.uuid()), { maxLength: 4 }),
      fc.constantFrom('sev1', 'resolved', 'open', GHOST, 2_147_483_648, -1, 'x'.repeat(10_001)),
    );
    const body = fc.record(
      {
        title: value,
        severity: value,
        status: value,
        symptoms: value,
        causeHypothesis: value,
        nextSteps: value,
        rolloutId: value,
        flagVersions: value,
        auditEntryIds: value,
        expectedVersion: value,
        body: value,
      },
      { requiredKeys: [] },
    );
    const route = fc.constantFrom(
      ['POST', '/v1/admin/incidents'],
      ['PATCH', `/v1/admin/incidents/${id}`],
      ['POST', `/v1/admin/incidents/${id}/notes`],
    );
    await fc.assert(
      fc.asyncProperty(route, body, async ([method, path], generated) => {
        const answer = await call(method, path, operator, generated, { 'if-match': '"1"' });
        expect(answer.status).toBeLessThan(500);
      }),
      { seed: 20_261_130, numRuns: 150 },
    );
  });
});
