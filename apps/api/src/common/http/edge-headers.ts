import type { HelmetOptions } from 'helmet';
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

const HSTS = 'max-age=31536000; includeSubDomains';

/** helmet's settings for a JSON API; HSTS only where the API is served over TLS. */
export function helmetOptions(strict: boolean): HelmetOptions {
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
 * The headers helmet sets with helmetOptions, as constants, for the answers helmet's request hook
 * never sees: Fastify's router errors, replies ended before that hook, and the raw responses
 * written to the socket for client errors. An e2e test compares them with helmet's output.
 */
export function securityHeaders(strict: boolean): Record<string, string> {
  return {
    'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-site',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    ...(strict ? { 'strict-transport-security': HSTS } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
}
