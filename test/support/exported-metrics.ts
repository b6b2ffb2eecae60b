// The metrics the API and the worker export at GET /metrics, in one list: their names, types, labels and
// which app exports them. Two kinds of test read it from here:
// - the static deployment specs (test/deploy/prometheus-rules.spec.ts, dashboards.spec.ts) check that
//   the alert rules and the Grafana dashboards name no metric outside this list;
// - the integration test under test/integration/observability/ asserts that the apps export exactly
//   these, so a renamed metric breaks a test rather than silently emptying a panel or an alert.

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type MetricApp = 'api' | 'worker';

export interface ExportedMetric {
  readonly type: MetricType;
  readonly apps: readonly MetricApp[];
  /** The labels the app sets; `undefined` for prom-client's default metrics (its own labels, if any). */
  readonly labels?: readonly string[];
}

const BOTH: readonly MetricApp[] = ['api', 'worker'];
const API: readonly MetricApp[] = ['api'];
const WORKER: readonly MetricApp[] = ['worker'];

/** What prom-client's collectDefaultMetrics() registers (prom-client 15, on Linux). */
const PROM_CLIENT_DEFAULTS = {
  process_cpu_user_seconds_total: { type: 'counter', apps: BOTH },
  process_cpu_system_seconds_total: { type: 'counter', apps: BOTH },
  process_cpu_seconds_total: { type: 'counter', apps: BOTH },
  process_start_time_seconds: { type: 'gauge', apps: BOTH },
  process_resident_memory_bytes: { type: 'gauge', apps: BOTH },
  process_virtual_memory_bytes: { type: 'gauge', apps: BOTH },
  process_heap_bytes: { type: 'gauge', apps: BOTH },
  process_open_fds: { type: 'gauge', apps: BOTH },
  process_max_fds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_min_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_max_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_mean_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_stddev_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_p50_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_p90_seconds: { type: 'gauge', apps: BOTH },
  nodejs_eventloop_lag_p99_seconds: { type: 'gauge', apps: BOTH },
  nodejs_active_resources: { type: 'gauge', apps: BOTH },
  nodejs_active_resources_total: { type: 'gauge', apps: BOTH },
  nodejs_active_handles: { type: 'gauge', apps: BOTH },
  nodejs_active_handles_total: { type: 'gauge', apps: BOTH },
  nodejs_active_requests: { type: 'gauge', apps: BOTH },
  nodejs_active_requests_total: { type: 'gauge', apps: BOTH },
  nodejs_heap_size_total_bytes: { type: 'gauge', apps: BOTH },
  nodejs_heap_size_used_bytes: { type: 'gauge', apps: BOTH },
  nodejs_external_memory_bytes: { type: 'gauge', apps: BOTH },
  nodejs_heap_space_size_total_bytes: { type: 'gauge', apps: BOTH },
  nodejs_heap_space_size_used_bytes: { type: 'gauge', apps: BOTH },
  nodejs_heap_space_size_available_bytes: { type: 'gauge', apps: BOTH },
  nodejs_version_info: { type: 'gauge', apps: BOTH },
  nodejs_gc_duration_seconds: { type: 'histogram', apps: BOTH },
} as const satisfies Record<string, ExportedMetric>;

export const EXPORTED_METRICS = {
  ...PROM_CLIENT_DEFAULTS,

  // Both apps.
  http_requests_total: { type: 'counter', apps: BOTH, labels: ['method', 'route', 'status'] },
  http_request_duration_seconds: { type: 'histogram', apps: BOTH, labels: ['method', 'route', 'status'] },
  readiness_check_up: { type: 'gauge', apps: BOTH, labels: ['check'] },
  db_connections_active: { type: 'gauge', apps: BOTH, labels: [] },
  db_connections_idle: { type: 'gauge', apps: BOTH, labels: [] },
  db_connections_waiting: { type: 'gauge', apps: BOTH, labels: [] },
  redis_errors_total: { type: 'counter', apps: BOTH, labels: ['connection'] },
  email_enqueued_total: { type: 'counter', apps: BOTH, labels: ['template'] },
  rampart_build_info: { type: 'gauge', apps: BOTH, labels: ['service', 'commit', 'build', 'env'] },

  // The API.
  login_success_total: { type: 'counter', apps: API, labels: ['method'] },
  login_failure_total: { type: 'counter', apps: API, labels: ['reason'] },
  totp_failure_total: { type: 'counter', apps: API, labels: [] },
  mfa_challenges_total: { type: 'counter', apps: API, labels: [] },
  account_lockouts_total: { type: 'counter', apps: API, labels: [] },
  refresh_success_total: { type: 'counter', apps: API, labels: [] },
  refresh_token_reuse_total: { type: 'counter', apps: API, labels: [] },
  rate_limit_block_total: { type: 'counter', apps: API, labels: ['tier'] },
  flag_set_version: { type: 'gauge', apps: API, labels: [] },
  flag_set_propagation_seconds: { type: 'histogram', apps: API, labels: [] },
  flag_evaluations_total: { type: 'counter', apps: API, labels: ['flag', 'variant', 'reason'] },
  guardrail_telemetry_batches_total: { type: 'counter', apps: API, labels: ['outcome'] },

  // The worker. The job's name is `job_name`: `job` is the scrape job's label in Prometheus.
  email_sent_total: { type: 'counter', apps: WORKER, labels: ['template'] },
  email_failed_total: { type: 'counter', apps: WORKER, labels: ['template', 'kind'] },
  email_retried_total: { type: 'counter', apps: WORKER, labels: ['template'] },
  email_delivery_seconds: { type: 'histogram', apps: WORKER, labels: ['template'] },
  job_duration_seconds: { type: 'histogram', apps: WORKER, labels: ['queue', 'job_name', 'outcome'] },
  queue_jobs: { type: 'gauge', apps: WORKER, labels: ['queue', 'state'] },
  queue_oldest_waiting_age_seconds: { type: 'gauge', apps: WORKER, labels: ['queue'] },
  worker_heartbeat_timestamp_seconds: { type: 'gauge', apps: WORKER, labels: [] },
  rollout_decisions_total: { type: 'counter', apps: WORKER, labels: ['decision'] },
  rollout_rollbacks_total: { type: 'counter', apps: WORKER, labels: [] },
  rollout_evaluation_errors_total: { type: 'counter', apps: WORKER, labels: [] },
  rollouts_running: { type: 'gauge', apps: WORKER, labels: [] },
  rollout_guardrail_query_errors_total: { type: 'counter', apps: WORKER, labels: ['reason'] },
} as const satisfies Record<string, ExportedMetric>;

export type ExportedMetricName = keyof typeof EXPORTED_METRICS;
