import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { LATENCY_BUCKET_COUNT } from '@rampart/rollout-guardrails';
import { booleanFlag } from '../../factories';
import { eventually } from '../../support/eventually';
import { type ApiAnswer, callApi } from '../support/api-call';
import { type SpawnedApiWithAdmin, startSpawnedApiWithAdmin } from '../support/spawned-api-with-admin';

/** A small telemetry budget per key, so the 429 test spends one key's budget quickly. */
const TELEMETRY_LIMIT = 30;

/** Guardrail telemetry batches over HTTP: keys, idempotency, bounds and refusals, against the built API. */
describe('POST /v1/telemetry/batches', () => {
  let spawned: SpawnedApiWithAdmin;
  const flag = booleanFlag();

  const admin$ = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(spawned.api.url, method, path, { token: spawned.admin.accessToken, ...(body ? { body } : {}) });
  const newKey = async (kind: 'server' | 'client'): Promise<{ id: string; key: string }> => {
    const issued = await admin$('POST', '/v1/admin/sdk-keys', { name: `telemetry ${kind}`, kind });
    expect(issued.status).toBe(201);
    return { id: issued.body.id as string, key: issued.body.key as string };
  };
  const send = (body: unknown, key?: string, raw?: string): Promise<Response> =>
    fetch(`${spawned.api.url}/v1/telemetry/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: raw ?? JSON.stringify(body),
    });
  const batch = (overrides: Record<string, unknown> = {}) => ({
    batchId: randomUUID(),
    instance: 'pod-a',
    memory: { bytes: 200_000_000 },
    reports: [
      {
        flag: flag.key,
        variant: 'on',
        start: new Date(Math.floor(Date.now() / 10_000) * 10_000).toISOString(),
        requests: 3,
        errors: 1,
        latency: [1, 2, ...new Array<number>(LATENCY_BUCKET_COUNT - 2).fill(0)],
        exceptions: 0,
      },
    ],
    ...overrides,
  });

  beforeAll(async () => {
    spawned = await startSpawnedApiWithAdmin({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_TELEMETRY: `${TELEMETRY_LIMIT}/60`,
    });
    const flags = await admin$('GET', '/v1/admin/flags');
    const created = await admin$('POST', '/v1/admin/flags', {
      flag,
      reason: 'telemetry e2e',
      expectedVersion: flags.body.version,
    });
    expect(created.status).toBe(201);
  });
  afterAll(() => spawned?.stop());

  it('accepts a batch with 202, and a retry of it as a duplicate', async () => {
    const { key } = await newKey('server');
    const sent = batch();
    const first = await send(sent, key);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: 'accepted', ignoredReports: 0 });
    const again = await send(sent, key);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: 'duplicate', ignoredReports: 0 });
  });

  it('refuses client keys (403), no key (401) and revoked keys (401)', async () => {
    const client = await newKey('client');
    const refused = await send(batch(), client.key);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('server_key_required');
    expect((await send(batch())).status).toBe(401);
    const server = await newKey('server');
    expect((await send(batch(), server.key)).status).toBe(202);
    expect((await admin$('DELETE', `/v1/admin/sdk-keys/${server.id}`)).status).toBe(204);
    // Revocation reaches the process through the change feed, within moments.
    const revoked = await eventually(
      async () => (await send(batch(), server.key)).status,
      (status) => status === 401,
      5_000,
      50,
    );
    expect(revoked).toBe(401);
  });

  it('refuses oversize batches and reports outside the time range, with stable codes', async () => {
    const { key } = await newKey('server');
    const report = batch().reports[0]!;
    const tooMany = await send(batch({ reports: new Array(501).fill(report) }), key);
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { code: string }).code).toBe('validation_failed');
    const tooLarge = await send(undefined, key, JSON.stringify(batch({ padding: 'x'.repeat(1_100_000) })));
    expect(tooLarge.status).toBe(413);
    const old = await send(batch({ reports: [{ ...report, start: Date.now() - 2 * 3_600_000 }] }), key);
    expect(old.status).toBe(422);
    expect(await old.json()).toMatchObject({
      code: 'telemetry_report_out_of_range',
      errors: { 'reports[0].start': [expect.any(String)] },
    });
    const future = await send(batch({ reports: [{ ...report, start: Date.now() + 5 * 60_000 }] }), key);
    expect(future.status).toBe(422);
  });

  it('never answers a malformed body with a 5xx', async () => {
    const { key } = await newKey('server');
    const report = batch().reports[0]!;
    const anyReport = fc.record(
      {
        flag: fc.oneof(fc.constant(flag.key), fc.string()),
        variant: fc.oneof(fc.constant('on'), fc.string(), fc.integer()),
        start: fc.oneof(fc.constant(report.start), fc.integer(), fc.string(), fc.double()),
        requests: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(null)),
        errors: fc.oneof(fc.nat(), fc.string()),
        latency: fc.oneof(fc.array(fc.nat(), { maxLength: 20 }), fc.anything()),
        exceptions: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              batchId: fc.oneof(fc.uuid(), fc.string()),
              instance: fc.oneof(fc.constant('pod-a'), fc.string({ maxLength: 200 })),
              sentAt: fc.oneof(fc.string(), fc.integer()),
              reports: fc.oneof(fc.array(anyReport, { maxLength: 5 }), fc.anything()),
              memory: fc.anything(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const answer = await send(body, key);
          expect(answer.status).toBeLessThan(500);
          expect([202, 400, 413, 415, 422]).toContain(answer.status);
        },
      ),
      { numRuns: TELEMETRY_LIMIT - 5 },
    );
  });

  it('rate limits per key with a 429 problem', async () => {
    const { key } = await newKey('server');
    let last: Response | undefined;
    for (let sent = 0; sent <= TELEMETRY_LIMIT; sent += 1) last = await send(batch(), key);
    expect(last?.status).toBe(429);
    expect(last?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await last!.json()) as { code: string }).code).toBe('rate_limited');
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
