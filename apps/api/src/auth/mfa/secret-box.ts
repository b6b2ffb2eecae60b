// Encrypts small secrets that Rampart must be able to read back (TOTP shared secrets) before they are stored,
// so a leaked database dump or backup alone does not hand out everyone's second factor. AES-256-GCM with a
// key derived from MFA_ENCRYPTION_KEY; the sealed form is one printable string:
//
//   v2.<key id>.<iv>.<ciphertext>.<tag>   (key id: 16 hex digits; the rest base64url without padding,
//                                          iv 12 bytes, tag 16 bytes)
//
// The key id names the key that sealed the value, so after a rotation (MFA_ENCRYPTION_KEY new, the old key in
// MFA_PREVIOUS_ENCRYPTION_KEYS) each value opens with its own key, and `npm run secrets:reseal-mfa` finds the
// values still under an old one. v1 (`v1.<iv>.<ciphertext>.<tag>`, before key ids) is still opened, trying
// the current key and then the previous ones; only v2 is written. Both use the same derived key: v2 changed
// the format, not the cipher. Each value is bound to a purpose through GCM's additional authenticated data,
// so a ciphertext sealed for one purpose (or copied from another column) does not open as another.
import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The purpose (GCM additional data) of a user's TOTP shared secret. */
export const TOTP_SECRET_PURPOSE = 'rampart:totp';

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
// HKDF's info string names what the derived key is for, so the same input secret could later feed another
// key without the two being related. The key id comes from the same input under another info string: it
// identifies the key without being, or revealing, the key.
const HKDF_INFO = 'rampart:mfa-secret:v1';
const KEY_ID_INFO = 'rampart:mfa-secret:key-id';
const KEY_BYTES = 32;
const KEY_ID_BYTES = 8;
const KEY_ID = /^[0-9a-f]{16}$/;
const MIN_INPUT_KEY_BYTES = 32;
// 96-bit random IVs are GCM's recommended size; at the volume of MFA enrolments the chance of two repeating
// under one key is negligible (NIST SP 800-38D §8.3 allows 2^32 random-IV encryptions per key).
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Thrown when a sealed value cannot be opened: malformed, unknown version or key, wrong key or purpose, or altered. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

interface SealingKey {
  id: string;
  key: Buffer;
}

function sealingKey(encryptionKey: string): SealingKey {
  const inputKey = Buffer.from(encryptionKey, 'utf8');
  // The config schema already demands 32+ bytes; checked again so a hand-built config cannot slip a weak
  // key in. The message never includes the key.
  if (inputKey.length < MIN_INPUT_KEY_BYTES) {
    throw new Error(`the MFA encryption key must be at least ${MIN_INPUT_KEY_BYTES} bytes`);
  }
  const derive = (info: string, bytes: number): Buffer =>
    Buffer.from(hkdfSync('sha256', inputKey, Buffer.alloc(0), info, bytes));
  return { id: derive(KEY_ID_INFO, KEY_ID_BYTES).toString('hex'), key: derive(HKDF_INFO, KEY_BYTES) };
}

@Injectable()
export class SecretBox {
  private readonly current: SealingKey;
  /** The current key first, then MFA_PREVIOUS_ENCRYPTION_KEYS: the order v1 values are tried in. */
  private readonly keys: readonly SealingKey[];

  constructor(config: ApiConfig) {
    this.current = sealingKey(config.mfa.encryptionKey);
    this.keys = [this.current, ...config.mfa.previousEncryptionKeys.map(sealingKey)];
  }

  /** The id of the key that seals now (MFA_ENCRYPTION_KEY), as written into every sealed value. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** How every value sealed now begins: the format version and the current key's id. */
  get currentPrefix(): string {
    return `${VERSION}.${this.current.id}.`;
  }

  /** Whether `sealed` is already in the current format under the current key: re-sealing it would change nothing. */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(this.currentPrefix);
  }

  /** Encrypts `plaintext` for `purpose` (e.g. TOTP_SECRET_PURPOSE); sealing the same text twice differs. */
  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(purposeBytes(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.current.id,
      ...[iv, ciphertext, tag].map((part) => part.toString('base64url')),
    ].join('.');
  }

  /**
   * Decrypts a value from seal() with the same purpose, with the key its id names (current or previous),
   * or a v1 value with whichever configured key opens it; throws SecretBoxError when it cannot be trusted.
   */
  open(sealed: string, purpose: string): string {
    const parts = sealed.split('.');
    if (parts[0] === VERSION && parts.length === 5) {
      const [, keyId, ...rest] = parts as [string, string, string, string, string];
      const key = KEY_ID.test(keyId) ? this.keys.find((candidate) => candidate.id === keyId) : undefined;
      if (!key) throw new SecretBoxError('sealed secret names a key that is not configured');
      return decrypt(key.key, rest, purpose);
    }
    if (parts[0] === LEGACY_VERSION && parts.length === 4) {
      const [, ...rest] = parts as [string, string, string, string];
      let failure: unknown;
      for (const key of this.keys) {
        try {
          return decrypt(key.key, rest, purpose);
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    }
    if (parts[0] === VERSION || parts[0] === LEGACY_VERSION)
      throw new SecretBoxError('sealed secret is malformed');
    throw new SecretBoxError('sealed secret has an unsupported version');
  }
}

function decrypt(
  key: Buffer,
  [ivPart, ciphertextPart, tagPart]: [string, string, string],
  purpose: string,
): string {
  const iv = decodePart(ivPart, IV_BYTES);
  const ciphertext = decodePart(ciphertextPart);
  const tag = decodePart(tagPart, TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(purposeBytes(purpose));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key, a wrong purpose and an altered value apart, and nor should the message.
    throw new SecretBoxError('sealed secret could not be authenticated');
  }
}

function purposeBytes(purpose: string): Buffer {
  if (purpose.length === 0) throw new Error('a sealed secret needs a purpose');
  return Buffer.from(purpose, 'utf8');
}

/**
 * Strict base64url: Buffer.from(..., 'base64url') skips characters it does not know and ignores the spare
 * bits of the last character, so a part is accepted only if it re-encodes to exactly itself.
 */
function decodePart(part: string, expectedBytes?: number): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (!BASE64URL.test(part) || bytes.toString('base64url') !== part) {
    throw new SecretBoxError('sealed secret is malformed');
  }
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) {
    throw new SecretBoxError('sealed secret is malformed');
  }
  return bytes;
}
