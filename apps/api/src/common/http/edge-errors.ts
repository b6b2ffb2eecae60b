import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, fastifyProblemCode, problemOf } from '@rampart/http';

/**
 * Answers for the requests that never reach Nest, so they too leave as problem+json with the
 * release and security headers: router errors (Fastify's `frameworkErrors`) and requests Node's
 * HTTP parser rejects before there is a request at all (`clientError`).
 */

const ROUTER_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid percent-encoded UTF-8.',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than 100 characters.',
};

/**
 * Fastify's `frameworkErrors`: a malformed URL (400) or an over-long path parameter (414), found by
 * the router before any hook runs. The request exists (it has an id) but no hook, error handler or
 * serializer applies, so the whole answer is built here.
 */
export function frameworkErrorHandler(
  headers: Record<string, string>,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const status = error.statusCode ?? 400;
    const problem = {
      ...problemOf(status, fastifyProblemCode(error.code, status), ROUTER_DETAILS[error.code]),
      instance: request.url.split('?')[0],
      requestId: request.id,
    };
    void reply
      .code(status)
      .headers({ ...headers, 'x-request-id': request.id, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(problem));
  };
}

function statusOf(error: NodeJS.ErrnoException): number {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const CLIENT_DETAILS: Record<number, string> = {
  400: 'The request is not valid HTTP (method, request line, headers or framing).',
  408: 'The request was not received in time.',
  431: 'The request headers are too large.',
};

/** A complete HTTP/1.1 response, as bytes for the socket: Node has no response object yet. */
export function rawProblemResponse(status: number, code: string, headers: Record<string, string>): string {
  const requestId = randomUUID();
  const body = JSON.stringify({ ...problemOf(status, code, CLIENT_DETAILS[status]), requestId });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    ...Object.entries({
      ...headers,
      'x-request-id': requestId,
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    }).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

interface SocketWithResponse extends Duplex {
  /** Node's response in progress on this socket, if any (the parser failed on a later request). */
  _httpMessage?: { headersSent?: boolean } | null;
}

/**
 * Fastify's `clientErrorHandler`, for what Node's HTTP parser rejects: an unknown method, a bad
 * Content-Length, a header line over the size limit (431), a timeout (408). There is no request to
 * hang an id on, so the answer carries a fresh one; the connection is closed, as Node does.
 */
export function clientErrorHandler(
  headers: Record<string, string>,
): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const inFlight = (socket as SocketWithResponse)._httpMessage;
    // Writing a second status line into a response already under way would corrupt it.
    if (socket.writable && !inFlight?.headersSent) {
      const status = statusOf(error);
      // Closed once flushed: after a parse error the rest of the byte stream cannot be trusted.
      socket.end(rawProblemResponse(status, fastifyProblemCode(error.code, status), headers), () =>
        socket.destroy(),
      );
      return;
    }
    socket.destroy();
  };
}
