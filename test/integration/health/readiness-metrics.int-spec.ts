import type { HealthCheckResult } from '@nestjs/terminus';
import { DomainError } from '@rampart/http';
import { Metrics } from '@rampart/observability';
import { HealthController } from '../../../apps/api/src/health/health.controller';
import { WorkerHealthController } from '../../../apps/worker/src/health/worker-health.controller';
import { freePort } from '../../support/free-port.mts';
import { createWorkerInProcess, useApi, useWorker } from '../support/apps';
import { scrape } from '../support/exposition';

/** Each check's status in a readiness answer, 200 or 503 alike. */
async function statuses(ready: Promise<HealthCheckResult>): Promise<Record<string, string>> {
  const details = await ready.then(
    (result) => result.details,
    (error: unknown) => {
      if (!(error instanceof DomainError)) throw error;
      return error.extensions.checks as HealthCheckResult['details'];
    },
  );
  return Object.fromEntries(Object.entries(details).map(([check, detail]) => [check, detail.status]));
}

/** The `readiness_check_up` series of an app's registry, by check. */
async function checkGauges(metrics: Metrics): Promise<Record<string, number>> {
  const read = await scrape(metrics);
  return Object.fromEntries(
    read
      .find('readiness_check_up')
      .map((sample): [string, number] => [sample.labels.check ?? '', sample.value]),
  );
}

/**
 * `readiness_check_up{check}` (ReadinessMetrics of @rampart/observability): each run of an app's
 * readiness route sets 1 or 0 per check, as the answer reported it.
 */
describe('readiness metrics of the worker and the API', () => {
  // Its consumers idle: the consumers check fails, the others pass.
  const worker = useWorker();
  const api = useApi();

  it('has no series before readiness first runs', async () => {
    expect(await checkGauges(worker.get(Metrics))).toEqual({});
  });

  it("sets the worker's checks, failing ones at 0", async () => {
    expect(await statuses(worker.get(WorkerHealthController).ready())).toEqual({
      postgresql: 'up',
      redis: 'up',
      consumers: 'down',
    });
    expect(await checkGauges(worker.get(Metrics))).toEqual({ postgresql: 1, redis: 1, consumers: 0 });
  });

  it('follows a check that goes down: Redis away', async () => {
    const away = await createWorkerInProcess({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      await statuses(away.get(WorkerHealthController).ready());
      expect(await checkGauges(away.get(Metrics))).toEqual({ postgresql: 1, redis: 0, consumers: 0 });
    } finally {
      await away.close();
    }
  });

  it("sets the API's checks as its answer reports them", async () => {
    const reported = await statuses(api.get(HealthController).ready());
    expect(Object.keys(reported).sort()).toEqual(['flags', 'postgresql', 'queue', 'redis']);
    expect(reported).toMatchObject({ postgresql: 'up', redis: 'up' });

    const gauges = await checkGauges(api.get(Metrics));
    expect(gauges).toEqual(
      Object.fromEntries(Object.entries(reported).map(([check, status]) => [check, status === 'up' ? 1 : 0])),
    );
  });
});
