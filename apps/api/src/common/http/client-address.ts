import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Which peers' forwarding headers (X-Forwarded-For, X-Request-ID) are believed. Empty list: none,
 * so a client cannot choose its own address or request id by sending a header.
 */
export function compileTrust(trustProxy: readonly string[]): TrustFunction | false {
  return trustProxy.length ? proxyaddr.compile([...trustProxy]) : false;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's request id: taken from `X-Request-ID` only when the peer is a trusted proxy and the
 * value is well formed, generated otherwise. Also stored on the raw request, where the request
 * logger reads it.
 */
export function requestIdGenerator(trust: TrustFunction | false): (req: IncomingMessage) => string {
  return (req) => {
    const header = req.headers['x-request-id'];
    const peer = req.socket.remoteAddress ?? '';
    const id =
      trust && typeof header === 'string' && REQUEST_ID.test(header) && trust(peer, 0)
        ? header
        : randomUUID();
    req.id = id;
    return id;
  };
}
