import type { FastifyInstance } from 'fastify';
import type { ApiConfigShape } from '@rampart/config';
import type { TracedRequest } from '@rampart/observability';
import { requestContext } from './request-context';

/**
 * Pages with a browser UI that need scripts and styles from the API itself: the OpenAPI UI. The
 * queue dashboard sets a policy of its own (queues/queue-dashboard.ts).
 */
const UI_PREFIXES = ['/docs'];

const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Only JSON bodies are parsed. Hooks every response passes through: the release headers the seeds require on every answer
 * (errors included), the request id, the route template for the request log, and a CSP that lets
 * the OpenAPI UI render, and the request context (id, client address) for the audit log while the rest of the API keeps `default-src 'none'`.
 */
export function installHttpPipeline(fastify: FastifyInstance, config: ApiConfigShape): void {
  fastify.removeContentTypeParser(['text/plain']);
  const release = {
    'x-commit-sha': config.release.commitSha,
    'x-ruleset-version': config.release.rulesetVersion,
    'x-env': config.env,
    'x-build-id': config.release.buildId,
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(release).header('x-request-id', request.id);
    (request.raw as TracedRequest).routeTemplate = request.routeOptions.url;
    const userAgent = request.headers['user-agent'];
    requestContext.run(
      {
        requestId: request.id,
        ipAddress: request.ip,
        userAgent: typeof userAgent === 'string' ? userAgent : null,
      },
      done,
    );
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (UI_PREFIXES.some((prefix) => request.url === prefix || request.url.startsWith(`${prefix}/`))) {
      void reply.header('content-security-policy', DOCS_CSP);
    }
    done(null, payload);
  });
}
