import {
  type Aggregator,
  Histogram,
  type HistogramConfiguration,
  type MetricValueWithName,
} from 'prom-client';
import { innerMap } from './inner-map';
import type { Metrics } from './metrics';

type LabelName = 'method' | 'route' | 'status';
type Labels = Record<LabelName, string>;

/** Resolves 150 ms (the auth latency objective) and 2 s (the rollback threshold) exactly. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10];

/** What one method, route template and status has seen since the process started. */
interface Series {
  /** One object for the life of the series: prom-client caches its formatted labels by identity. */
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative: `buckets[i]` counts values in (bound i-1, bound i]. */
  readonly buckets: number[];
  /** How much of `count` the request counter has been given (see the counter's collect). */
  counted: number;
}

/** One exported sample as prom-client's registry formats it: the series' labels go in `sharedLabels`. */
type Sample = MetricValueWithName<LabelName | 'le'> & { sharedLabels?: Labels };

/** What prom-client's registry reads from a histogram for the text exposition. */
interface Exported {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: Aggregator;
  values: Sample[];
}

/**
 * A histogram whose series are counted elsewhere (`HttpRequestMetrics`), exported by prom-client's
 * registry like any other. Only where its figures come from differs from prom-client's Histogram:
 * `getForPromString`, which the registry's text exposition reads and prom-client's own `get()` calls,
 * builds the same samples from the counted series. The unit test feeds one of these and a prom-client
 * Histogram the same observations and compares both readings, so a prom-client release that reads
 * histograms differently fails it.
 */
class CountedHistogram extends Histogram<LabelName> {
  private readonly exported: Omit<Exported, 'values'>;
  private readonly bounds: readonly number[];

  constructor(
    config: HistogramConfiguration<LabelName> & { buckets: number[] },
    private readonly series: readonly Series[],
  ) {
    super(config);
    this.bounds = config.buckets;
    this.exported = {
      name: config.name,
      help: config.help,
      type: 'histogram',
      aggregator: config.aggregator ?? 'sum',
    };
  }

  getForPromString(): Promise<Exported> {
    const { name } = this.exported;
    const bucketName = `${name}_bucket`;
    const values: Sample[] = [];
    for (const series of this.series) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += series.buckets[index] ?? 0;
        values.push({ labels: { le: bound }, sharedLabels, value: cumulative, metricName: bucketName });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucketName },
        { labels: {}, sharedLabels, value: series.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels, value: series.count, metricName: `${name}_count` },
      );
    }
    return Promise.resolve({ ...this.exported, values });
  }
}

/**
 * `http_requests_total` and `http_request_duration_seconds` by method, route template and status,
 * recorded once per answer. prom-client's own `inc()` and `observe()` validate the labels object and
 * build and hash a string of its values on every call, and it has no way to hand it observations
 * counted elsewhere, hence this class. Here an answer costs three map lookups by the strings the
 * request already holds and a few additions. The counter gets its sums when it is read (its
 * collect), and the histogram is read from the same series (CountedHistogram): both are exact at
 * every scrape.
 */
export class HttpRequestMetrics {
  private readonly series = new Map<string, Map<string, Map<number, Series>>>();
  /** Every series, in the order they first answered: the order prom-client exports series in. */
  private readonly all: Series[] = [];

  constructor(metrics: Metrics) {
    const labelNames = ['method', 'route', 'status'] as const;
    const requests = metrics.counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames,
      collect: () => {
        for (const series of this.all) {
          if (series.count === series.counted) continue;
          requests.inc(series.labels, series.count - series.counted);
          series.counted = series.count;
        }
      },
    });
    new CountedHistogram(
      {
        name: 'http_request_duration_seconds',
        help: 'Time from the request arriving to its answer being sent, by method, route template and status.',
        labelNames,
        buckets: HTTP_DURATION_BUCKETS,
        registers: [metrics.registry],
      },
      this.all,
    );
  }

  /** One answer: its method, route template (or UNMATCHED_ROUTE), status and duration in seconds. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const byStatus = innerMap(innerMap(this.series, method), route);
    let series = byStatus.get(status);
    if (!series) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: HTTP_DURATION_BUCKETS.map(() => 0),
        counted: 0,
      };
      byStatus.set(status, series);
      this.all.push(series);
    }
    series.count += 1;
    series.sum += seconds;
    for (let index = 0; index < HTTP_DURATION_BUCKETS.length; index += 1) {
      if (seconds <= (HTTP_DURATION_BUCKETS[index] ?? Infinity)) {
        series.buckets[index] = (series.buckets[index] ?? 0) + 1;
        break;
      }
    }
  }
}
