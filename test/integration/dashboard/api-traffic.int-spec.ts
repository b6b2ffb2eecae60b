import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiTraffic } from '../../../apps/api/src/dashboard/api-traffic';
import { GetDashboard } from '../../../apps/api/src/dashboard/use-cases/get-dashboard';
import { TcpProxy } from '../../e2e/support/tcp-proxy';
import { appEnv } from '../../support/app-env';
import { createApiInProcess } from '../../support/in-process-api';
import { REDIS_URL } from '../../support/run-settings';
import { useApi } from '../support/apps';

async function answer(app: NestFastifyApplication, url: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < times; index += 1)
    statuses.push((await app.inject({ method: 'GET', url })).statusCode);
  return statuses;
}

/**
 * The dashboard's API error rate and p95 (apps/api/src/dashboard/api-traffic.ts): two API processes
 * on one Redis prefix, as two replicas of a deployment are; each counts its own answers in memory and
 * flushes them, and either one reads the sum of both.
 */
describe("dashboard: the API's own error rate and p95 across processes", () => {
  // One key prefix for both: two replicas of one deployment.
  const { REDIS_KEY_PREFIX } = appEnv();
  // A worker heartbeat can never be fresh enough: readiness answers 503 (real 5xx answers), whatever
  // heartbeat another suite of the run left in the shared database.
  const env = { REDIS_KEY_PREFIX, WORKER_HEARTBEAT_MAX_AGE_MS: '1' };
  const a = useApi(env);
  const b = useApi(env);

  it("counts both processes' answers: requests, 5xx and the latency quantile", async () => {
    const fromA = [...(await answer(a.app, '/__healthz', 8)), ...(await answer(a.app, '/health/ready', 2))];
    const fromB = await answer(b.app, '/__healthz', 10);
    expect(fromA.filter((status) => status >= 500)).toHaveLength(2);
    expect(fromB.every((status) => status === 200)).toBe(true);

    await Promise.all([a.get(ApiTraffic).flush(), b.get(ApiTraffic).flush()]);

    for (const reader of [a, b]) {
      const window = await reader.get(ApiTraffic).window();
      expect(window).toMatchObject({ windowMs: 600_000, requests: 20, errors: 2, errorRate: 0.1 });
      expect(window.p95Ms).toBeGreaterThan(0);
    }
    const dashboard = await b.get(GetDashboard).execute();
    expect(dashboard.api).toMatchObject({ available: true, requests: 20, errors: 2, errorRate: 0.1 });
    expect(dashboard.queues.available).toBe(true);
    expect(dashboard.queues.queues.map((queue) => queue.name).sort()).toEqual(['email', 'maintenance']);
  });

  it('leaves out of the window what is older than 10 minutes', async () => {
    const traffic = a.get(ApiTraffic);
    const before = (await traffic.window()).requests;
    traffic.record(500, 3, Date.now() - 11 * 60_000);
    traffic.record(200, 3, Date.now() - 9 * 60_000);
    await traffic.flush();
    expect((await traffic.window()).requests).toBe(before + 1);
  });

  it('answers without the Redis sections, within the bound, while Redis is slow', async () => {
    const redis = TcpProxy.forUrl(REDIS_URL);
    await redis.start();
    const slow = await createApiInProcess({ REDIS_URL: redis.rewrite(REDIS_URL) });
    try {
      redis.latencyMs = 2_000;
      const started = performance.now();
      const dashboard = await slow.get(GetDashboard).execute();
      expect(performance.now() - started).toBeLessThan(750 + 500);
      expect(dashboard.queues).toEqual({ available: false, queues: [] });
      expect(dashboard.api).toMatchObject({ available: false, errorRate: null, p95Ms: null });
      // PostgreSQL's parts are all there.
      expect(dashboard.banner.text).toContain('Commit:');
      expect(typeof dashboard.flags.version).toBe('number');
    } finally {
      redis.latencyMs = 0;
      await slow.close();
      await redis.stop();
    }
  });
});
