// Recovery codes: the single-use codes a user writes down at MFA enrolment, to sign in when the authenticator
// app is lost. Shown once, stored only as hashes. Each code is 10 characters of Crockford's base32 (digits
// and letters without I, L, O and U, so nothing reads as another character), shown as `XXXXX-XXXXX`.
import { createHash, randomBytes } from 'node:crypto';

// Crockford's base32 alphabet: 32 symbols, so a random byte's low 5 bits pick one with no modulo bias.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 10; // 10 x 5 bits = 50 bits of entropy per code
const GROUP_LENGTH = 5;
const DEFAULT_COUNT = 10;

/** `count` distinct new codes, formatted `XXXXX-XXXXX`, for showing to the user once. */
export function generateRecoveryCodes(count: number = DEFAULT_COUNT): string[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
  const codes = new Set<string>();
  // Duplicates among 2^50 possibilities will not happen in practice; the loop just makes "distinct" a fact.
  while (codes.size < count) codes.add(generateRecoveryCode());
  return [...codes];
}

/**
 * What the user typed, in the form that is hashed: spaces and dashes removed, upper case, and (as Crockford's
 * decoding rules say) I and L read as 1 and O as 0, since the alphabet has none of them.
 */
export function normaliseRecoveryCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
}

/**
 * SHA-256 (hex) of the normalised code, the stored form. A fast hash is acceptable here, unlike for
 * passwords: the codes are random with ~50 bits of entropy (not chosen by people, so no dictionary applies),
 * single-use and rate-limited online, and an offline attacker with the hashes would still need ~2^49 tries
 * per code. It also keeps the lookup an equality match on an indexed column.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}

function generateRecoveryCode(): string {
  const symbols = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte & 0x1f] ?? '').join('');
  return `${symbols.slice(0, GROUP_LENGTH)}-${symbols.slice(GROUP_LENGTH)}`;
}
