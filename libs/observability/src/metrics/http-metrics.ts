import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemOf } from '@rampart/http';
import type { Metrics } from './metrics';

/** Resolves 150 ms (the auth latency objective) and 2 s (the rollback threshold) exactly. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10];

/** The `route` of a request no route matched: raw URLs never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * `http_requests_total` and `http_request_duration_seconds`, by method, route template and status,
 * counted in Fastify's onResponse hook: every answer, including the ones the edge gives before Nest
 * (404, 405, 413, 415). The route is the template (`/v1/admin/users/:id`), so the label set stays
 * bounded whatever URLs clients send.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = metrics.counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames,
  });
  const duration = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its answer being sent, by method, route template and status.',
    labelNames,
    buckets: HTTP_DURATION_BUCKETS,
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1_000);
    done();
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `GET /metrics`, straight on Fastify: outside Nest's guards, so the API's rate limits never starve
 * the scraper. Open to whoever reaches the port unless a token is configured; then only
 * `Authorization: Bearer <token>` gets it (compared in constant time), others a 401 problem.
 * The reverse proxy never forwards the path.
 */
export function installMetricsRoute(fastify: FastifyInstance, metrics: Metrics, token: string | null): void {
  const expected = token === null ? null : digest(`Bearer ${token}`);
  fastify.get('/metrics', async (request, reply) => {
    if (expected) {
      const given = digest(request.headers.authorization ?? '');
      if (!timingSafeEqual(given, expected)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .header('content-type', PROBLEM_CONTENT_TYPE)
          .send({
            ...problemOf(401, 'unauthenticated', 'Send the metrics token as a bearer token.'),
            instance: '/metrics',
            requestId: request.id,
          });
      }
    }
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
