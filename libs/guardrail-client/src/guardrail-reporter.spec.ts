import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LATENCY_BUCKET_COUNT } from '@rampart/rollout-guardrails';
import { GuardrailReporter, latencyBucket } from './guardrail-reporter';

interface SentBatch {
  batchId: string;
  instance: string;
  memory?: { bytes: number };
  reports: {
    flag: string;
    variant: string;
    start: number;
    requests: number;
    errors: number;
    exceptions: number;
    latency: number[];
  }[];
}

const T0 = 1_800_000_000_000; // a bucket start

/** A local HTTP server standing in for the telemetry endpoint: it answers the statuses queued. */
class Endpoint {
  readonly batches: { authorization: string | undefined; path: string; body: SentBatch }[] = [];
  answers: number[] = [];
  private server!: Server;

  async listen(): Promise<string> {
    this.server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        this.batches.push({
          authorization: request.headers.authorization,
          path: request.url ?? '',
          body: JSON.parse(body) as SentBatch,
        });
        response.writeHead(this.answers.shift() ?? 202, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('GuardrailReporter', () => {
  let endpoint: Endpoint;
  let url: string;
  let now: number;
  let memory: number;

  beforeEach(async () => {
    endpoint = new Endpoint();
    url = await endpoint.listen();
    now = T0;
    memory = 100 * 2 ** 20;
  });
  afterEach(() => endpoint.close());

  const reporter = () =>
    new GuardrailReporter({
      url,
      serverKey: 'rk_server_test',
      instance: 'checkout-1',
      now: () => now,
      residentMemory: () => memory,
    });

  it('sends closed buckets, per flag, variant and bucket, with the key and the memory peak', async () => {
    const subject = reporter();
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    subject.record('checkout', 'on', { durationMs: 40, failed: true });
    subject.record('checkout', 'off', { durationMs: 12_000, failed: true });
    expect(await subject.flush()).toEqual({ status: 'idle' });
    expect(endpoint.batches).toHaveLength(0);

    now = T0 + 10_000;
    subject.record('checkout', 'on', { durationMs: 1, failed: false });
    const result = await subject.flush();
    expect(result).toMatchObject({ status: 'sent', reports: 2, answer: 202 });
    expect(endpoint.batches).toHaveLength(1);
    const [{ authorization, path, body }] = endpoint.batches as [(typeof endpoint.batches)[number]];
    expect(authorization).toBe('Bearer rk_server_test');
    expect(path).toBe('/v1/telemetry/batches');
    expect(body).toMatchObject({ instance: 'checkout-1', memory: { bytes: memory } });
    const latency = (index: number) => {
      const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
      counts[index] = 1;
      return counts;
    };
    expect(body.reports).toEqual([
      {
        flag: 'checkout',
        variant: 'on',
        start: T0,
        requests: 2,
        errors: 1,
        exceptions: 0,
        latency: latency(0).map((count, index) => (index === 3 ? 1 : count)),
      },
      {
        flag: 'checkout',
        variant: 'off',
        start: T0,
        requests: 1,
        errors: 1,
        exceptions: 0,
        latency: latency(12),
      },
    ]);

    // The bucket still filling goes out on close, in a batch of its own.
    expect(await subject.close()).toMatchObject({ status: 'sent', reports: 1 });
    expect(endpoint.batches[1]?.body.reports).toEqual([expect.objectContaining({ start: T0 + 10_000 })]);
    expect(endpoint.batches[1]?.body.batchId).not.toBe(body.batchId);
  });

  it('resends an unacknowledged batch with the same id, and new counts wait for the next batch', async () => {
    const subject = reporter();
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    now = T0 + 10_000;
    endpoint.answers = [503, 429];
    expect(await subject.flush()).toMatchObject({ status: 'retrying', reason: 'HTTP 503' });
    subject.record('checkout', 'on', { durationMs: 3, failed: true });
    now = T0 + 20_000;
    expect(await subject.flush()).toMatchObject({ status: 'retrying', reason: 'HTTP 429' });
    expect(await subject.flush()).toMatchObject({ status: 'sent' });
    const ids = endpoint.batches.map(({ body }) => body.batchId);
    expect(new Set(ids).size).toBe(1);
    expect(endpoint.batches.map(({ body }) => body.reports.map((report) => report.start))).toEqual([
      [T0],
      [T0],
      [T0],
    ]);
    expect(await subject.flush()).toMatchObject({ status: 'sent' });
    expect(endpoint.batches[3]?.body.batchId).not.toBe(ids[0]);
    expect(endpoint.batches[3]?.body.reports).toEqual([
      expect.objectContaining({ start: T0 + 10_000, errors: 1 }),
    ]);
  });

  it('resends after no answer at all, and drops a batch the API refuses for good', async () => {
    const subject = new GuardrailReporter({
      url: 'http://127.0.0.1:9', // nothing listens on the discard port
      serverKey: 'rk_server_test',
      instance: 'checkout-1',
      now: () => now,
      residentMemory: () => memory,
    });
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    now = T0 + 10_000;
    expect(await subject.flush()).toMatchObject({ status: 'retrying' });

    const refused = reporter();
    refused.record('checkout', 'on', { durationMs: 3, failed: false });
    now += 10_000;
    endpoint.answers = [422];
    expect(await refused.flush()).toMatchObject({ status: 'dropped', answer: 422 });
    expect(await refused.flush()).toEqual({ status: 'idle' });
    expect(endpoint.batches).toHaveLength(1);
  });

  it('sends at most 500 reports a batch; the rest go in the next one', async () => {
    const subject = reporter();
    for (let index = 0; index < 501; index += 1) {
      subject.record(`flag-${index}`, 'on', { durationMs: 1, failed: false });
    }
    now = T0 + 10_000;
    expect(await subject.flush()).toMatchObject({ reports: 500 });
    expect(await subject.flush()).toMatchObject({ reports: 1 });
    expect(endpoint.batches.flatMap(({ body }) => body.reports.map(({ flag }) => flag))).toHaveLength(501);
  });

  it('sends an uncaught exception at once, with the bucket still filling', async () => {
    const subject = reporter();
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    subject.record('checkout', 'on', { durationMs: 3, failed: false, exception: true });
    subject.record('checkout', 'on', { durationMs: 3, failed: false, exception: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(endpoint.batches).toHaveLength(1);
    expect(endpoint.batches[0]?.body.reports).toEqual([
      expect.objectContaining({ start: T0, requests: 3, errors: 2, exceptions: 2 }),
    ]);
    // Later requests of the same bucket go in a batch of their own once it closes; Rampart adds them up.
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    now = T0 + 10_000;
    expect(await subject.flush()).toMatchObject({ status: 'sent', reports: 1 });
    expect(endpoint.batches[1]?.body.reports).toEqual([expect.objectContaining({ start: T0, requests: 1 })]);
  });

  it('reports the highest memory sampled since the previous batch', async () => {
    const subject = reporter().start();
    memory = 900 * 2 ** 20;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // one sample at 900 MiB
    memory = 200 * 2 ** 20;
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    await subject.close();
    expect(endpoint.batches[0]?.body.memory).toEqual({ bytes: 900 * 2 ** 20 });
  });

  it('never sends two batches at once: overlapping flushes take the counts once', async () => {
    const subject = reporter();
    subject.record('checkout', 'on', { durationMs: 3, failed: false });
    now = T0 + 10_000;
    const results = await Promise.all([subject.flush(), subject.flush(), subject.flush()]);
    expect(results.map(({ status }) => status)).toEqual(['sent', 'idle', 'idle']);
    expect(endpoint.batches).toHaveLength(1);
  });
});

describe('latencyBucket', () => {
  it.each([
    [0, 0],
    [5, 0],
    [5.01, 1],
    [150, 5],
    [2_000, 9],
    [10_000, 11],
    [10_001, 12],
  ])('%d ms is in bucket %d', (durationMs, index) => {
    expect(latencyBucket(durationMs)).toBe(index);
  });
});
