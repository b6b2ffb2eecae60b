import { createHash, randomBytes } from 'node:crypto';
import type { SdkKeyKind } from '@rampart/db';

const PATTERN = /^rk_(server|client)_[A-Za-z0-9_-]{43}$/;

/**
 * A new SDK key: `rk_<kind>_` and 256 random bits (base64url), shown once. The prefix makes keys easy
 * to recognise in a leaked-secret scan and to tell apart from access tokens. Only its SHA-256 is kept:
 * a random 256-bit value cannot be guessed, so a slow password hash would buy nothing and cost every
 * OFREP request.
 */
export function newSdkKey(kind: SdkKeyKind): { key: string; hash: string; prefix: string } {
  const key = `rk_${kind}_${randomBytes(32).toString('base64url')}`;
  return { key, hash: sdkKeyHash(key), prefix: `${key.slice(0, kind.length + 8)}…` };
}

export function sdkKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether a credential is shaped like an SDK key (before any lookup). */
export function looksLikeSdkKey(credential: string): boolean {
  return PATTERN.test(credential);
}
