import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

/**
 * One request's context: where it came from and, once the access guard has authenticated it, who
 * it speaks for. Guards, the audit log, the request log line and (next) flag exposure all read this
 * one object, so none of them works its answer out again.
 */
export interface RequestContext {
  requestId: string;
  ipAddress: string;
  userAgent: string | null;
  /** Set once authentication succeeded; absent on public routes and before the guards ran. */
  principal?: Principal;
}

/** For code far from the controller (the audit log): undefined outside a request (jobs, scripts). */
const storage = new AsyncLocalStorage<RequestContext>();

/** By raw request, for the places that hold the request but may run outside its async scope (the log line). */
const byRequest = new WeakMap<IncomingMessage, RequestContext>();

/** Opens the request's context and runs the rest of its handling inside it (the HTTP pipeline's first hook). */
export function openRequestContext(request: FastifyRequest, next: () => void): void {
  const userAgent = request.headers['user-agent'];
  const context: RequestContext = {
    requestId: request.id,
    ipAddress: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
  };
  byRequest.set(request.raw, context);
  storage.run(context, next);
}

/** The context of the request being handled, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The context of this request; undefined only for a request the pipeline never saw (a router-level 404). */
export function requestContextOf(request: FastifyRequest | IncomingMessage): RequestContext | undefined {
  return byRequest.get('raw' in request ? request.raw : request);
}
