import { appEnv } from '../../support/app-env';
import { eventually } from '../../support/eventually';
import { AppProcess } from '../support/app-process';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';
import { TcpProxy } from '../support/tcp-proxy';

interface ReadyBody {
  status?: string;
  code?: string;
  failing?: string[];
  details?: Record<string, { status: string }>;
  checks?: Record<string, { status: string; message?: string }>;
}

async function ready(api: RunningApi): Promise<{ status: number; body: ReadyBody; type: string | null }> {
  const response = await fetch(`${api.url}/health/ready`);
  return {
    status: response.status,
    body: (await response.json()) as ReadyBody,
    type: response.headers.get('content-type'),
  };
}

describe('readiness of the API and the worker', () => {
  const redisProxy = TcpProxy.forUrl(REDIS_URL);
  const databaseProxy = TcpProxy.forUrl(runDatabaseUrl());
  let api: RunningApi;
  let worker: AppProcess;

  beforeAll(async () => {
    await redisProxy.start();
    await databaseProxy.start();
    const shared = appEnv();
    worker = await AppProcess.start('worker', {
      ...shared,
      REDIS_URL: redisProxy.rewrite(REDIS_URL),
      WORKER_HEARTBEAT_INTERVAL_MS: '1000',
    });
    api = await startApiInProcess({
      REDIS_KEY_PREFIX: shared.REDIS_KEY_PREFIX,
      REDIS_URL: redisProxy.rewrite(REDIS_URL),
      DATABASE_URL: databaseProxy.rewrite(runDatabaseUrl()),
      FLAGS_REFRESH_INTERVAL_MS: '200',
      FLAGS_MAX_STALENESS_MS: '1000',
    });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await redisProxy.stop();
    await databaseProxy.stop();
  });

  it('is ready when PostgreSQL, Redis and a live worker answer', async () => {
    const result = await eventually(
      () => ready(api),
      (value) => value.status === 200,
    );
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('ok');
    expect(Object.keys(result.body.details ?? {})).toEqual(['postgresql', 'redis', 'queue', 'flags']);

    const workerReady = await fetch(`${worker.url}/health/ready`);
    expect(workerReady.status).toBe(200);
  });

  it('answers 503 naming Redis while Redis is down, and recovers when it returns', async () => {
    await redisProxy.cut();
    const down = await eventually(
      () => ready(api),
      (value) => value.status === 503,
    );
    expect(down.status).toBe(503);
    expect(down.type).toBe('application/problem+json; charset=utf-8');
    expect(down.body.code).toBe('not_ready');
    expect(down.body.failing).toContain('redis');
    expect(down.body.failing).not.toContain('postgresql');
    expect(down.body.checks?.redis?.status).toBe('down');

    await redisProxy.restore();
    const back = await eventually(
      () => ready(api),
      (value) => value.status === 200,
    );
    expect(back.status).toBe(200);
  });

  it('answers 503 naming PostgreSQL while PostgreSQL is down, and recovers when it returns', async () => {
    await databaseProxy.cut();
    const down = await eventually(
      () => ready(api),
      (value) => value.status === 503,
    );
    expect(down.body.failing).toContain('postgresql');
    expect(down.body.failing).not.toContain('redis');
    // Past FLAGS_MAX_STALENESS_MS without PostgreSQL, the process can no longer vouch for its flags.
    const unconfirmed = await eventually(
      () => ready(api),
      (value) => value.body.failing?.includes('flags') === true,
    );
    expect(unconfirmed.body.checks?.flags?.message).toMatch(/not confirmed current for over 1000 ms/);

    await databaseProxy.restore();
    const back = await eventually(
      () => ready(api),
      (value) => value.status === 200,
    );
    expect(back.status).toBe(200);
  });

  it('reports the queue as down once the worker has stopped beating', async () => {
    await worker.stop();
    const stale = await startApiInProcess({ WORKER_HEARTBEAT_MAX_AGE_MS: '1500' });
    try {
      const result = await eventually(
        () => ready(stale),
        (value) => value.status === 503,
        10_000,
      );
      expect(result.body.failing).toEqual(['queue']);
      expect(result.body.checks?.queue?.message).toMatch(/heartbeat older than 1500 ms/);
    } finally {
      await stale.close();
    }
  });
});
