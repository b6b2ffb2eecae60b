import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadWorkerConfig } from '@rampart/config';
import { createWorkerApp } from '../../../apps/worker/src/create-worker-app';
import { appEnv } from '../../support/app-env';
import { EXPORTED_METRICS, type MetricApp } from '../../support/exported-metrics';
import { createApiInProcess, initialised } from '../../support/in-process-api';
import { type Exposition, parseExposition } from '../../support/prometheus-text';

/** Labels Prometheus' formats add to a histogram's or summary's samples, not the app's own. */
const FORMAT_LABELS = new Set(['le', 'quantile']);
/** Series a histogram family exposes. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

function familyOf(sample: string, families: Map<string, string>): string {
  for (const suffix of SUFFIXES) {
    const base = sample.slice(0, -suffix.length);
    if (sample.endsWith(suffix) && families.get(base) === 'histogram') return base;
  }
  return sample;
}

/**
 * The list the alert rules and dashboards are checked against (test/support/exported-metrics.ts) is
 * exactly what each app serves at GET /metrics: the same names, types and labels. A metric renamed
 * in code, or one added without its line there, fails here instead of emptying a panel or silencing
 * an alert.
 */
describe('exported metrics', () => {
  const exposition: Partial<Record<MetricApp, Exposition>> = {};
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    const api = await createApiInProcess();
    apps.push(api);
    const worker = await initialised(
      await createWorkerApp(loadWorkerConfig(appEnv({ LOG_LEVEL: 'silent' }))),
    );
    apps.push(worker);
    for (const [name, app] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      // One answered request first, so the HTTP metrics have samples to check the labels of.
      await app.inject({ method: 'GET', url: '/health/live' });
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      exposition[name] = parseExposition(response.body);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  describe.each(['api', 'worker'] as const)('the %s', (app) => {
    const expected = Object.entries(EXPORTED_METRICS).filter(([, metric]) =>
      (metric.apps as readonly string[]).includes(app),
    );

    it('serves exactly the listed families, with their types', () => {
      const { families } = exposition[app]!;
      expect(Object.fromEntries(families)).toEqual(
        Object.fromEntries(expected.map(([name, metric]) => [name, metric.type])),
      );
    });

    it('labels each sample with exactly the listed labels', () => {
      const { samples, families } = exposition[app]!;
      const wrong: string[] = [];
      for (const sample of samples) {
        const family = familyOf(sample.name, families);
        const declared = (EXPORTED_METRICS as Record<string, { labels?: readonly string[] }>)[family]?.labels;
        if (!declared) continue;
        const labels = Object.keys(sample.labels).filter((label) => !FORMAT_LABELS.has(label));
        if (labels.sort().join(',') !== [...declared].sort().join(',')) {
          wrong.push(`${sample.name}{${labels.join(',')}}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});
