export { escapeNonAscii, maskEmails, sanitizeLogLine } from './log-sanitizer';
export { httpLoggerModule, pinoOptions } from './logger';
export { HTTP_DURATION_BUCKETS } from './metrics/http-request-metrics';
export { innerMap } from './metrics/inner-map';
export { installMetricsRoute } from './metrics/metrics-route';
export { Metrics, type MetricsIdentity } from './metrics/metrics';
export { MetricsModule } from './metrics/metrics.module';
export { ReadinessMetrics } from './metrics/readiness.metrics';
export { REDACTED_PATHS } from './redaction';
export {
  UNMATCHED_ROUTE,
  installRequestTelemetry,
  type RequestLogFields,
  type RequestTelemetryOptions,
} from './request-telemetry';
