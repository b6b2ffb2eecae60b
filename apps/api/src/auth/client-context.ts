import type { FastifyRequest } from 'fastify';

/** Where a sign-in comes from: recorded with its attempt and with the session it opens. */
export interface ClientContext {
  ipAddress: string | null;
  userAgent: string | null;
}

export function clientOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return { ipAddress: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null };
}
