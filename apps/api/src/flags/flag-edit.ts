import type { AuditActor } from '@rampart/audit';
import type { FlagSetContent } from '@rampart/db';
import { type Flag, type Segment, fieldErrorsOf, flagSchema, segmentSchema } from '@rampart/flag-evaluation';
import { DomainError, type FieldErrors, validationProblem } from '@rampart/http';
import type { VersionPrecondition } from '@rampart/flag-store';
import { type Principal, actorOf } from '../identity/principal';
import { versionPrecondition } from './version-precondition';

/** What every change to the flag set carries: who, why, and the version it was based on. */
export interface FlagChangeInput {
  actor: AuditActor;
  reason: string;
  expectedVersion: number;
  precondition: VersionPrecondition;
}

export function flagNotFound(key: string): DomainError {
  return new DomainError('flag_not_found', 404, `There is no flag "${key}".`, { key });
}

/** The flag under `key` in `content`, or 404. */
export function existingFlag(content: FlagSetContent, key: string): Flag {
  const flag = Object.hasOwn(content.flags, key) ? content.flags[key] : undefined;
  if (!flag) throw flagNotFound(key);
  return flag;
}

/** The content with one flag replaced (or added). */
export function withFlag(content: FlagSetContent, flag: Flag): FlagSetContent {
  return { ...content, flags: { ...content.flags, [flag.key]: flag } };
}

/** Errors of a value checked on its own, placed under the request field that carried it. */
export function underField(errors: FieldErrors, field: string): FieldErrors {
  const placed: FieldErrors = {};
  for (const [path, messages] of Object.entries(errors)) {
    const at = path === '(root)' ? field : path.startsWith('[') ? `${field}${path}` : `${field}.${path}`;
    placed[at] = messages;
  }
  return placed;
}

/** A flag as a request sent it, checked on its own (the whole set is checked when it commits). */
export function parseFlag(input: unknown, field: string): Flag {
  const parsed = flagSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationProblem(underField(fieldErrorsOf(parsed.error), field));
}

/** A segment as a request sent it, checked on its own. */
export function parseSegment(input: unknown, field: string): Segment {
  const parsed = segmentSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationProblem(underField(fieldErrorsOf(parsed.error), field));
}

export function existingSegment(content: FlagSetContent, key: string): Segment {
  const segment = Object.hasOwn(content.segments, key) ? content.segments[key] : undefined;
  if (!segment) throw new DomainError('segment_not_found', 404, `There is no segment "${key}".`, { key });
  return segment;
}

export function withSegment(content: FlagSetContent, segment: Segment): FlagSetContent {
  return { ...content, segments: { ...content.segments, [segment.key]: segment } };
}

const KEY = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** A flag or segment key from the path, or 400 naming it. */
export function keyFromPath(key: string): string {
  if (!KEY.test(key)) throw validationProblem({ key: ['must be a key: a-z, 0-9, ".", "_", "-", up to 128'] });
  return key;
}

/** The change's who, why and base version, from the caller, If-Match and the body. */
export function changeOf(
  actor: Principal,
  ifMatch: string | undefined,
  body: { reason: string; expectedVersion?: number },
): FlagChangeInput {
  return {
    actor: actorOf(actor),
    reason: body.reason,
    ...versionPrecondition(ifMatch, body.expectedVersion),
  };
}
