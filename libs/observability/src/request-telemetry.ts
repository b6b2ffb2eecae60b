import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { Level } from 'pino';
import { HttpRequestMetrics } from './metrics/http-request-metrics';
import type { Metrics } from './metrics/metrics';

/** Fields an app adds to a request's log line from its own request context (who the caller was). */
export type RequestLogFields = (request: FastifyRequest) => Record<string, string | undefined>;

export interface RequestTelemetryOptions {
  /** The process's metrics; null when METRICS_ENABLED is off (then only the log line is kept). */
  metrics: Metrics | null;
  requestFields?: RequestLogFields;
}

/** The `route` of a request no route matched: raw URLs never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

function levelOf(status: number, url: string): Level {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return url.startsWith('/health') || url === '/metrics' ? 'debug' : 'info';
}

/**
 * What every answered request leaves behind, from one Fastify onResponse hook: its metrics and its
 * log line, sharing the route template, status and request id.
 *
 * - `http_requests_total` and `http_request_duration_seconds` by method, route template and status:
 *   every answer, including the ones the edge gives before Nest (404, 405, 413, 415). The route is
 *   the template (`/v1/admin/users/:id`); a request no route matched is `unmatched`, so the label
 *   set stays bounded whatever URLs clients send.
 * - one JSON line (`request completed`, or `request errored` for a 5xx) with reqId, req {id, method,
 *   url, userAgent}, route, res {statusCode}, latencyMs and what `requestFields` adds: info, warn for
 *   4xx, error for 5xx, debug for health probes and scrapes. Built only when that level is enabled:
 *   no per-request child logger or serialisation for a line that will not be written (pino-http's
 *   middleware did both for every request). Redaction and the ASCII/e-mail sanitising apply as to any
 *   line of the process's root logger.
 */
export function installRequestTelemetry(fastify: FastifyInstance, options: RequestTelemetryOptions): void {
  const requestMetrics = options.metrics && new HttpRequestMetrics(options.metrics);
  const { requestFields } = options;

  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const template = request.is404 ? undefined : request.routeOptions.url;
    requestMetrics?.observe(request.method, template ?? UNMATCHED_ROUTE, status, reply.elapsedTime / 1_000);
    // The root logger of nestjs-pino's LoggerModule: the one every line of the process goes through.
    const logger = PinoLogger.root;
    const level = levelOf(status, request.url);
    if (logger.isLevelEnabled(level)) {
      const userAgent = request.headers['user-agent'];
      logger[level](
        {
          reqId: request.id,
          req: { id: request.id, method: request.method, url: request.url, userAgent },
          route: template,
          res: { statusCode: status },
          latencyMs: Math.round(reply.elapsedTime),
          ...requestFields?.(request),
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
