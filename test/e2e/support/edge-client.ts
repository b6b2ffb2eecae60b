import http from 'node:http';
import https from 'node:https';

/**
 * Requests to nginx as a client on the internet would send them, from a chosen loopback address
 * (Linux answers for all of 127.0.0.0/8): nginx keys its rate limits and the API its client address
 * on the source, so each test speaks from addresses of its own, and the address the API records
 * can be told apart from nginx's own (127.0.0.1).
 */
export interface EdgeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client's source address; 127.0.0.1 (nginx's own, trusted by the API) when unset. */
  from?: string;
  /** The CA that signed nginx's certificate (HTTPS only): the chain is verified for real. */
  ca?: string;
  /** A keep-alive agent for load; a fresh connection per request otherwise. */
  agent?: http.Agent;
  timeoutMs?: number;
}

export interface EdgeResponse {
  status: number;
  /** Lower-cased names; a repeated header's values joined as Node joins them. */
  headers: http.IncomingHttpHeaders;
  /** Every value each header came with, to count repeats (one HSTS header, not two). */
  rawHeaders: [string, string][];
  body: string;
}

export function edgeRequest(url: string, options: EdgeRequest = {}): Promise<EdgeResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        // As written: a test of path normalisation must reach nginx unnormalised.
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.from,
        ...(options.ca !== undefined ? { ca: options.ca, servername: target.hostname } : {}),
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const rawHeaders: [string, string][] = [];
          for (let i = 0; i < response.rawHeaders.length; i += 2) {
            rawHeaders.push([response.rawHeaders[i]!.toLowerCase(), response.rawHeaders[i + 1]!]);
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url} in time`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Every value of a header, however many times it was sent. */
export function headerValues(response: EdgeResponse, name: string): string[] {
  return response.rawHeaders.filter(([key]) => key === name).map(([, value]) => value);
}
