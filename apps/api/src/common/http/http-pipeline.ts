import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfigShape } from '@rampart/config';
import {
  PROBLEM_CONTENT_TYPE,
  defaultCodeFor,
  hasUnsafeStrings,
  problemOf,
  unsafeStringFields,
  validationProblem,
} from '@rampart/http';
import { AllowedMethods } from './allowed-methods';
import { installJsonBodyParser } from './json-body';
import { ReplyHeaderStamp } from './reply-headers';
import { openRequestContext } from '../../identity/request-context';

/**
 * Pages with a browser UI that need scripts and styles from the API itself: the OpenAPI UI. The
 * queue dashboard sets a policy of its own (queues/queue-dashboard.ts).
 */
const UI_PREFIXES = ['/docs'];

const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

function isProblem(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('application/problem+json');
}

/** What a plugin's own error answer said, kept as the problem's detail when it is short plain text or JSON. */
function detailOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 200) return undefined;
  if (!payload.startsWith('{')) return payload || undefined;
  try {
    const message = (JSON.parse(payload) as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

function problemBody(request: FastifyRequest, status: number, code: string, detail?: string): string {
  return JSON.stringify({
    ...problemOf(status, code, detail),
    instance: pathOf(request),
    requestId: request.id,
  });
}

/**
 * The API's HTTP edge, in front of Nest. Installed before helmet and CORS, so its request hook runs
 * first and even a CORS preflight carries the release headers and the request id. It:
 *
 * - parses only JSON (Fastify's text/plain parser goes, so other types get 415), with a nesting
 *   bound checked before parsing;
 * - stamps `edgeHeaders` (the release headers the seeds require and helmet's security headers,
 *   edge-headers.ts) and the request id on every answer: when the request arrives, and again when
 *   it is sent if something in between replaced the headers;
 * - answers a known path with the wrong method 405 with `Allow`, not 404;
 * - refuses NUL and lone surrogates anywhere in the query, path parameters or body (400
 *   `validation_failed` by field) before any guard, pipe or query sees them: PostgreSQL rejects NUL
 *   in text and a lone surrogate has no UTF-8 form, so either would otherwise surface as a 500;
 * - turns any error answer that is not problem+json yet (plugins answer for themselves, e.g.
 *   @fastify/cors's 400 text/plain) into one, keeping its status;
 * - opens the request context (id, client address) for the audit and request logs, and relaxes the CSP for the OpenAPI UI (the queue dashboard sets its own).
 */
export function installHttpPipeline(
  fastify: FastifyInstance,
  edgeHeaders: Record<string, string>,
  config: ApiConfigShape,
): void {
  fastify.removeContentTypeParser(['text/plain']);
  installJsonBodyParser(fastify, config.http.bodyLimitBytes);
  const allowedMethods = new AllowedMethods();
  allowedMethods.collectFrom(fastify);
  const headerStamp = new ReplyHeaderStamp(edgeHeaders);

  fastify.addHook('onRequest', (request, reply, done) => {
    headerStamp.stamp(reply, request.id);
    if (request.is404) {
      const allow = allowedMethods.for(pathOf(request), request.method);
      if (allow.length) {
        void reply
          .code(405)
          .header('allow', allow.join(', '))
          .header('content-type', PROBLEM_CONTENT_TYPE)
          .send(
            problemBody(
              request,
              405,
              'method_not_allowed',
              `${request.method} is not allowed here; see the Allow header.`,
            ),
          );
        return;
      }
    }
    openRequestContext(request, done);
  });

  fastify.addHook('preValidation', (request, _reply, done) => {
    if (
      !hasUnsafeStrings(request.params) &&
      !hasUnsafeStrings(request.query) &&
      !hasUnsafeStrings(request.body)
    ) {
      done();
      return;
    }
    const errors = {
      ...unsafeStringFields(request.params),
      ...unsafeStringFields(request.query),
      ...unsafeStringFields(request.body),
    };
    done(Object.keys(errors).length ? validationProblem(errors) : undefined);
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('x-request-id') || !reply.hasHeader('x-content-type-options')) {
      void reply.headers(edgeHeaders).header('x-request-id', request.id);
    }
    if (UI_PREFIXES.some((prefix) => request.url === prefix || request.url.startsWith(`${prefix}/`))) {
      void reply.header('content-security-policy', DOCS_CSP);
    }
    if (reply.statusCode < 400 || isProblem(reply)) {
      done(null, payload);
      return;
    }
    if (
      payload &&
      typeof payload === 'object' &&
      'destroy' in payload &&
      typeof payload.destroy === 'function'
    ) {
      // An error answered with a stream (a static file plugin's error page): replaced, so released.
      (payload as { destroy(): void }).destroy();
    }
    const status = reply.statusCode;
    void reply.removeHeader('content-length').header('content-type', PROBLEM_CONTENT_TYPE);
    done(null, problemBody(request, status, defaultCodeFor(status), detailOf(payload)));
  });
}
