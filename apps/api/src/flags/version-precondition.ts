import { DomainError } from '@rampart/http';
import type { VersionPrecondition } from '@rampart/flag-store';

/** The ETag of a flag-set version; every read of the flag set carries it. */
export function versionEtag(version: number): string {
  return `"${version}"`;
}

/**
 * Whether an If-None-Match value names this ETag: one of its comma-separated entity tags, compared
 * weakly (a `W/` prefix is ignored, RFC 9110 8.8.3.2). The usual single, exact tag is decided without
 * splitting the header.
 */
export function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  return (
    ifNoneMatch === etag || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
  );
}

/**
 * The version a write is based on: from `If-Match` (the ETag a read returned) or the body's
 * `expectedVersion`. Neither is 428: a write that does not say what it saw could overwrite a change
 * it never saw. Both, disagreeing, is 400. Incidents take their versions the same way (`subject`
 * names what is versioned in the messages).
 */
export function versionPrecondition(
  ifMatch: string | undefined,
  expectedVersion: number | undefined,
  subject = 'the flag set',
): { expectedVersion: number; precondition: VersionPrecondition } {
  if (ifMatch !== undefined) {
    const match = /^"(\d{1,9})"$/.exec(ifMatch.trim());
    if (!match?.[1]) {
      throw new DomainError(
        'invalid_if_match',
        400,
        `If-Match must be one ETag of ${subject} as a read returned it, such as "12".`,
      );
    }
    const version = Number(match[1]);
    if (expectedVersion !== undefined && expectedVersion !== version) {
      throw new DomainError(
        'conflicting_preconditions',
        400,
        `If-Match says version ${version} and expectedVersion says ${expectedVersion}; send one.`,
      );
    }
    return { expectedVersion: version, precondition: 'if-match' };
  }
  if (expectedVersion !== undefined) return { expectedVersion, precondition: 'body' };
  throw new DomainError(
    'precondition_required',
    428,
    `Say which version of ${subject} this change is based on: If-Match with the ETag of your read, or expectedVersion in the body.`,
  );
}
