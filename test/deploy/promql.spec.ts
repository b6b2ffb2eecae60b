import { isExported, metricNames } from './promql';

describe('metricNames', () => {
  it('finds the metrics under functions, aggregations and binary operators', () => {
    expect(
      metricNames(
        'sum by (job) (rate(http_requests_total{status=~"5..", route!~"/metrics|/health/.+"}[5m]))' +
          ' / on (job) group_left (commit) max by (job, commit) (rampart_build_info)',
      ).sort(),
    ).toEqual(['http_requests_total', 'rampart_build_info']);
  });

  it('leaves out label names, label values, strings, numbers and durations', () => {
    expect(
      metricNames(
        'label_replace(queue_jobs{queue="email", state="waiting"}, "name", "$1", "queue", "(.*)") > 1e3' +
          ' and queue_jobs offset 5m > bool 0.5 or absent(worker_heartbeat_timestamp_seconds)',
      ).sort(),
    ).toEqual(['queue_jobs', 'worker_heartbeat_timestamp_seconds']);
  });

  it('keeps recorded series and ignores keywords in any case', () => {
    expect(
      metricNames(
        'slo:auth_latency_errors:ratio_rate1h > (14.4 * 0.05) AND slo:auth_requests:rate1h > 1/60 unless time() - SUM(up) > Inf',
      ).sort(),
    ).toEqual(['slo:auth_latency_errors:ratio_rate1h', 'slo:auth_requests:rate1h', 'up']);
  });

  it('reads a subquery and a histogram quantile', () => {
    expect(
      metricNames(
        'max_over_time(histogram_quantile(0.95, sum by (le) (rate(email_delivery_seconds_bucket[5m])))[1h:1m])',
      ),
    ).toEqual(['email_delivery_seconds_bucket']);
  });
});

describe('isExported', () => {
  it("knows the apps' metrics and their histograms' series", () => {
    expect(isExported('http_requests_total')).toBe(true);
    expect(isExported('http_request_duration_seconds_bucket')).toBe(true);
    expect(isExported('email_delivery_seconds_count')).toBe(true);
    expect(isExported('nodejs_gc_duration_seconds_sum')).toBe(true);
  });

  it('refuses unknown names, and histogram suffixes on what is not a histogram', () => {
    expect(isExported('celery_queue_length')).toBe(false);
    expect(isExported('http_requests_total_count')).toBe(false);
    expect(isExported('queue_jobs_bucket')).toBe(false);
  });
});
