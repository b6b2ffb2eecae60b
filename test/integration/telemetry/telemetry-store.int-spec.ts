import { randomUUID } from 'node:crypto';
import { ApiConfig } from '@rampart/config';
import { type FlagSetEdit, FlagSets } from '@rampart/flag-store';
import {
  BATCH_ID_TTL_MS,
  BUCKET_MS,
  BUCKET_TTL_MS,
  type TelemetryBatch,
  type TelemetryReport,
  TelemetryStore,
  bucketStart,
} from '@rampart/guardrail-telemetry';
import { LATENCY_BUCKET_COUNT, telemetryBucketSchema } from '@rampart/rollout-guardrails';
import { ExposureTally } from '../../../apps/api/src/flags/exposure-tally';
import { LiveFlagSet } from '../../../apps/api/src/flags/live-flag-set';
import { EvaluateFlag } from '../../../apps/api/src/flags/use-cases/evaluate-flag';
import type { ServicePrincipal } from '../../../apps/api/src/identity/principal';
import { Permission } from '../../../apps/api/src/identity/permissions';
import { RecordTelemetryBatch } from '../../../apps/api/src/telemetry/use-cases/record-telemetry-batch';
import { type FlagFixture, booleanFlag } from '../../factories';
import { useApi } from '../support/apps';
import { useRedis } from '../support/data-stores';

/** Latency counts with `requests` in the given bucket (0-based) and none elsewhere. */
function latencyIn(index: number, requests: number): number[] {
  return Array.from({ length: LATENCY_BUCKET_COUNT }, (_, at) => (at === index ? requests : 0));
}

function report(overrides: Partial<TelemetryReport> = {}): TelemetryReport {
  const requests = overrides.requests ?? 10;
  return {
    flag: 'checkout',
    variant: 'on',
    start: bucketStart(Date.now()),
    requests,
    errors: 1,
    latency: latencyIn(2, requests),
    exceptions: 0,
    ...overrides,
  };
}

function batch(overrides: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return {
    credentialId: randomUUID(),
    batchId: randomUUID(),
    instance: 'pod-a',
    reports: [report()],
    ...overrides,
  };
}

/** Guardrail telemetry in Redis: batches once per id, buckets read back exactly, exposures from OFREP. */
describe('TelemetryStore', () => {
  const api = useApi();
  const redis = useRedis();
  const store = (): TelemetryStore => api.get(TelemetryStore);
  const prefix = (): string => api.get(ApiConfig).redis.keyPrefix;
  /** A flag key of this test alone, so the buckets it reads hold only what it wrote. */
  const flagKey = (): string => booleanFlag().key;

  it('adds reports into 10-s buckets and reads them back exactly', async () => {
    const flag = flagKey();
    const t0 = bucketStart(Date.now()) - 3 * BUCKET_MS;
    await store().record(
      batch({
        reports: [
          report({
            flag,
            start: t0 + 1_234,
            requests: 4,
            errors: 1,
            latency: latencyIn(0, 4),
            exceptions: 2,
          }),
          report({ flag, start: t0 + 5_000, requests: 6, errors: 0, latency: latencyIn(12, 6) }),
          report({ flag, start: t0 + BUCKET_MS, requests: 3, errors: 3, latency: latencyIn(5, 3) }),
          report({ flag, variant: 'off', start: t0, requests: 1, errors: 0, latency: latencyIn(1, 1) }),
        ],
      }),
    );
    const buckets = await store().buckets(flag, 'on', t0, t0 + 3 * BUCKET_MS);
    expect(buckets).toEqual([
      {
        bucket: {
          start: t0,
          requests: 10,
          errors: 1,
          latency: latencyIn(0, 4).map((count, index) => count + latencyIn(12, 6)[index]!),
          exceptions: 2,
          memory: [],
        },
        exposures: 0,
      },
      {
        bucket: {
          start: t0 + BUCKET_MS,
          requests: 3,
          errors: 3,
          latency: latencyIn(5, 3),
          exceptions: 0,
          memory: [],
        },
        exposures: 0,
      },
    ]);
    // What comes back is what the rollout lib takes.
    for (const { bucket } of buckets) expect(telemetryBucketSchema.parse(bucket)).toEqual(bucket);
    // The span is [from, to): the first bucket is left out when `from` is past its start.
    expect(
      (await store().buckets(flag, 'on', t0 + 1, t0 + 3 * BUCKET_MS)).map(({ bucket }) => bucket.start),
    ).toEqual([t0 + BUCKET_MS]);
    expect((await store().buckets(flag, 'off', t0, t0 + BUCKET_MS))[0]?.bucket.requests).toBe(1);
  });

  it('counts a retried batch once, and exactly one of 20 concurrent sends of it', async () => {
    const flag = flagKey();
    const start = bucketStart(Date.now());
    const once = batch({ reports: [report({ flag, start })] });
    expect(await store().record(once)).toBe('accepted');
    expect(await store().record(once)).toBe('duplicate');
    // The same batch id from another key is another batch.
    expect(await store().record({ ...once, credentialId: randomUUID() })).toBe('accepted');

    const raced = batch({ reports: [report({ flag, start })] });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store().record(raced)));
    expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(19);

    const [stored] = await store().buckets(flag, 'on', start, start + BUCKET_MS);
    expect(stored?.bucket.requests).toBe(30);
  });

  it('keeps the memory peak per instance per bucket', async () => {
    const flag = flagKey();
    const start = bucketStart(Date.now());
    const send = (instance: string, memoryBytes: number) =>
      store().record(batch({ instance, memoryBytes, reports: [report({ flag, start })] }));
    await send('pod-a', 300);
    await send('pod-a', 200);
    await send('pod-a', 500);
    await send('pod-b', 100);
    const [stored] = await store().buckets(flag, 'on', start, start + BUCKET_MS);
    expect(stored?.bucket.memory).toEqual([
      { instance: 'pod-a', bytes: 500 },
      { instance: 'pod-b', bytes: 100 },
    ]);
  });

  it('sets a TTL on every bucket and batch id, and keeps each bucket small', async () => {
    const flag = flagKey();
    const start = bucketStart(Date.now());
    const sent = batch({
      memoryBytes: 123_456_789,
      reports: [
        report({ flag, start, requests: 1_000, errors: 17, latency: latencyIn(4, 1_000), exceptions: 3 }),
      ],
    });
    await store().record(sent);
    await store().recordExposures([{ flag, variant: 'on', at: start, count: 5_000 }]);
    const bucket = `${prefix()}:telemetry:bucket:${flag}:on:${start}`;
    const bucketTtl = await redis.pttl(bucket);
    expect(bucketTtl).toBeGreaterThan(BUCKET_TTL_MS - 60_000);
    expect(bucketTtl).toBeLessThanOrEqual(BUCKET_TTL_MS);
    const idTtl = await redis.pttl(`${prefix()}:telemetry:batch:${sent.credentialId}:${sent.batchId}`);
    expect(idTtl).toBeGreaterThan(BATCH_ID_TTL_MS - 60_000);
    // A typical bucket: a few counters and one memory report, stored compactly (listpack).
    expect(await redis.object('ENCODING', bucket)).toBe('listpack');
    expect(await redis.memory('USAGE', bucket)).toBeLessThan(256);
  });

  it('refuses to read more than its span bound at once', async () => {
    await expect(store().buckets('checkout', 'on', 0, 30 * 24 * 3_600_000)).rejects.toThrow(RangeError);
  });

  describe('from the API', () => {
    const commit = async (flag: FlagFixture): Promise<void> => {
      const flagSets = api.get(FlagSets);
      const edit: FlagSetEdit = {
        expectedVersion: (await flagSets.current()).version,
        precondition: 'body',
        actor: 'system:tests',
        reason: 'telemetry test',
        apply: (current) => ({ ...current, flags: { ...current.flags, [flag.key]: flag as never } }),
      };
      await flagSets.commit(edit);
      await api.get(LiveFlagSet).check();
    };
    const server: ServicePrincipal = {
      kind: 'service',
      credentialId: randomUUID(),
      credentialKind: 'server',
      permissions: [Permission.FlagsEvaluate],
    };

    it('counts exposures from real OFREP evaluations, flushed to the buckets', async () => {
      const flag = booleanFlag();
      await commit(flag);
      const before = Date.now();
      for (let index = 0; index < 7; index += 1) {
        api
          .get(EvaluateFlag)
          .execute({ caller: server, key: flag.key, context: { targetingKey: `u-${index}` } });
      }
      // Unknown flags are not exposures.
      api.get(EvaluateFlag).execute({ caller: server, key: 'no-such-flag', context: {} });
      await api.get(ExposureTally).flush();
      const buckets = await store().buckets(flag.key, 'on', bucketStart(before), Date.now() + 1);
      expect(buckets.reduce((sum, { exposures }) => sum + exposures, 0)).toBe(7);
      expect(await store().buckets('no-such-flag', 'on', bucketStart(before), Date.now() + 1)).toEqual([]);
    });

    it('stores the reports of known flags and variants only', async () => {
      const flag = booleanFlag();
      await commit(flag);
      const start = bucketStart(Date.now());
      const answer = await api.get(RecordTelemetryBatch).execute({
        caller: server,
        now: Date.now(),
        body: {
          batchId: randomUUID(),
          instance: 'pod-a',
          reports: [
            { ...report({ flag: flag.key, start }) },
            { ...report({ flag: flag.key, variant: 'made-up', start }) },
            { ...report({ flag: 'no-such-flag', start }) },
          ],
        },
      });
      expect(answer).toEqual({ status: 'accepted', ignoredReports: 2 });
      expect(await store().buckets(flag.key, 'on', start, start + BUCKET_MS)).toHaveLength(1);
      expect(await store().buckets(flag.key, 'made-up', start, start + BUCKET_MS)).toEqual([]);
    });
  });
});
