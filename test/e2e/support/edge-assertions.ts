/**
 * What every answer of the API must carry, for suites that check it over many responses: the
 * release headers, a request id, the security headers, and problem+json with a stable code on
 * errors. Headers are given as a lower-cased record (fetch's Headers or a raw socket's).
 */

export const RELEASE = { COMMIT_SHA: 'f42638c', BUILD_ID: 'phase1_20261122_094500', RULESET_VERSION: 'v1.0' };

const RELEASE_HEADERS = {
  'x-commit-sha': RELEASE.COMMIT_SHA,
  'x-ruleset-version': RELEASE.RULESET_VERSION,
  'x-env': 'test',
  'x-build-id': RELEASE.BUILD_ID,
};

/** The security headers helmet sets on an ordinary answer (outside the /docs UI). */
export const SECURITY_HEADER_NAMES = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
] as const;

export function headerRecord(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers.entries()]);
}

/** The security headers of an ordinary answer, as the reference every other answer must match. */
export function securityHeadersOf(headers: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(SECURITY_HEADER_NAMES.map((name) => [name, headers[name]]));
}

/** Lists what is missing or wrong rather than throwing, so a fuzz failure can name it with its input. */
export function edgeViolations(
  status: number,
  headers: Record<string, string>,
  body: string,
  securityReference: Record<string, string | undefined>,
): string[] {
  const violations: string[] = [];
  if (status >= 500) violations.push(`status ${status}`);
  for (const [name, value] of Object.entries(RELEASE_HEADERS)) {
    if (headers[name] !== value) violations.push(`${name} is ${headers[name]}, not ${value}`);
  }
  if (!/^[0-9a-f-]{36}$/.test(headers['x-request-id'] ?? '')) violations.push('no x-request-id');
  for (const [name, value] of Object.entries(securityReference)) {
    if (headers[name] !== value) violations.push(`${name} is ${headers[name]}, not ${value}`);
  }
  if (status >= 400) {
    if (headers['content-type'] !== 'application/problem+json; charset=utf-8') {
      violations.push(`content-type ${headers['content-type']} on a ${status}`);
    } else {
      try {
        const problem = JSON.parse(body) as { code?: unknown; status?: unknown; requestId?: unknown };
        if (typeof problem.code !== 'string' || !/^[a-z_]+$/.test(problem.code)) violations.push('no code');
        if (problem.status !== status) violations.push(`body status ${String(problem.status)}`);
        if (problem.requestId !== headers['x-request-id'])
          violations.push('body requestId differs from header');
      } catch {
        violations.push(`body is not JSON: ${body.slice(0, 80)}`);
      }
    }
  }
  return violations;
}
