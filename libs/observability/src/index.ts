export { escapeNonAscii, maskEmails, sanitizeLogLine } from './log-sanitizer';
export { httpLoggerModule, pinoOptions, type RequestLogFields, type TracedRequest } from './logger';
export {
  HTTP_DURATION_BUCKETS,
  UNMATCHED_ROUTE,
  installHttpMetrics,
  installMetricsRoute,
} from './metrics/http-metrics';
export { Metrics, type MetricsIdentity } from './metrics/metrics';
export { MetricsModule } from './metrics/metrics.module';
export { ReadinessMetrics } from './metrics/readiness.metrics';
export { REDACTED_PATHS } from './redaction';
