import { createHash, randomBytes } from 'node:crypto';

/**
 * One-time tokens (e-mail verification, password reset): 32 random bytes, sent to the user in a
 * link, stored only as their SHA-256. A plain hash is enough here (no salt, no argon2): the token
 * has 256 bits of entropy, so its hash cannot be guessed back, and lookups stay a unique-index hit.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOneTimeToken(token) };
}

export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
