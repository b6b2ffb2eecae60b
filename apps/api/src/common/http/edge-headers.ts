import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { ApiConfigShape } from '@rampart/config';

/** The release headers every answer carries, errors and socket-level errors included. */
export function releaseHeaders(config: ApiConfigShape): Record<string, string> {
  return {
    'x-commit-sha': config.release.commitSha,
    'x-ruleset-version': config.release.rulesetVersion,
    'x-env': config.env,
    'x-build-id': config.release.buildId,
  };
}

/** helmet's settings for a JSON API; HSTS only where the API is served over TLS. */
function helmetOptions(strict: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    hsts: strict ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-site' },
  };
}

/**
 * The security headers every answer carries: what helmet's middleware sets with helmetOptions,
 * read once by running it against a response that records them. With these options none of them
 * depends on the request (no CSP nonces), so the HTTP pipeline stamps this record on every answer
 * instead of running helmet's eleven middlewares per request (a tenth of an authenticated
 * request's CPU, each setting its header on the raw response), and the edge error answers that
 * never reach a hook carry the same.
 */
export function securityHeaders(strict: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(helmetOptions(strict))(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure !== undefined || !headers['content-security-policy']) {
    throw new Error('helmet did not set its headers synchronously', { cause: failure });
  }
  return headers;
}
