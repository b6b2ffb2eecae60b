import { Counter, Histogram, type MetricValueWithName, Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS, HttpRequestMetrics } from './http-request-metrics';
import { Metrics } from './metrics';

const NAMES = ['http_requests_total', 'http_request_duration_seconds'] as const;

type Answer = [method: string, route: string, status: number, seconds: number];

/** Bounds exactly, between them, beyond the last, zero; quotes, a backslash and a newline to escape. */
const FIRST: Answer[] = [
  ['GET', '/__healthz', 200, 0.0004],
  ['GET', '/__healthz', 200, 0.005],
  ['GET', '/__healthz', 200, 0.0051],
  ['GET', '/v1/auth/me', 200, 0.15],
  ['GET', '/v1/auth/me', 401, 0],
  ['POST', '/v1/auth/login', 200, 0.1234567],
  ['POST', '/v1/auth/login', 429, 2],
  ['GET', 'unmatched', 404, 12.5],
  ['GET', '/v1/odd/"quoted"\\path\nline', 200, 0.3],
];
const SECOND: Answer[] = [
  ['GET', '/__healthz', 200, 0.0099],
  ['GET', '/v1/auth/me', 500, 10],
  ['DELETE', '/v1/admin/users/:id', 204, 0.02],
];

/** prom-client's own instruments fed the same answers: what the exposition must equal. */
function reference(): { registry: Registry; record(answers: Answer[]): void } {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its answer being sent, by method, route template and status.',
    labelNames,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    record(answers) {
      for (const [method, route, status, seconds] of answers) {
        const labels = { method, route, status: String(status) };
        requests.inc(labels);
        duration.observe(labels, seconds);
      }
    },
  };
}

function counted(): { metrics: Metrics; record(answers: Answer[]): void } {
  const metrics = new Metrics({ service: 'api', commit: 'c', build: 'b', env: 'test' });
  const http = new HttpRequestMetrics(metrics);
  return {
    metrics,
    record(answers) {
      for (const answer of answers) http.observe(...answer);
    },
  };
}

async function exposition(registry: Registry): Promise<string[]> {
  return Promise.all(NAMES.map((name) => registry.getSingleMetricAsString(name)));
}

async function asJson(registry: Registry): Promise<unknown[]> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics
    .filter((metric) => (NAMES as readonly string[]).includes(metric.name))
    .map(({ values, ...metric }) => ({
      ...metric,
      values: values.map((sample: MetricValueWithName<string>) => ({
        labels: sample.labels,
        value: sample.value,
        metricName: sample.metricName,
      })),
    }));
}

describe('HttpRequestMetrics', () => {
  it("exports exactly what prom-client's counter and histogram export for the same answers, scrape after scrape", async () => {
    const expected = reference();
    const actual = counted();

    expected.record(FIRST);
    actual.record(FIRST);
    expect(await exposition(actual.metrics.registry)).toEqual(await exposition(expected.registry));

    expected.record(SECOND);
    actual.record(SECOND);
    const text = await exposition(actual.metrics.registry);
    expect(text).toEqual(await exposition(expected.registry));
    expect(await asJson(actual.metrics.registry)).toEqual(await asJson(expected.registry));

    // The figures themselves, not just agreement: 4 health checks, one of them at the 5 ms bound.
    expect(text[0]).toContain('http_requests_total{method="GET",route="/__healthz",status="200"} 4');
    expect(text[1]).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/__healthz",status="200"} 2',
    );
    expect(text[1]).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="unmatched",status="404"} 1',
    );
  });

  it('counts nothing twice when scraped with no answers in between', async () => {
    const actual = counted();
    actual.record(FIRST);
    const first = await exposition(actual.metrics.registry);
    expect(await exposition(actual.metrics.registry)).toEqual(first);
  });
});
