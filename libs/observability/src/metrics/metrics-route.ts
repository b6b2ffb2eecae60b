import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemOf } from '@rampart/http';
import type { Metrics } from './metrics';

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
