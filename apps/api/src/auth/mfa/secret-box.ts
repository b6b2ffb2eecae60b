// Encrypts small secrets that Rampart must be able to read back (TOTP shared secrets) before they are stored,
// so a leaked database dump or backup alone does not hand out everyone's second factor. AES-256-GCM with a
// key derived from MFA_ENCRYPTION_KEY; the sealed form is one printable string:
//
//   v1.<iv>.<ciphertext>.<tag>     (each part base64url without padding; iv 12 bytes, tag 16 bytes)
//
// The version prefix leaves room to rotate the key or the algorithm later (open v1, seal v2). Each value is
// bound to a purpose through GCM's additional authenticated data, so a ciphertext sealed for one purpose
// (or copied from another column) does not open as another.
import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The purpose (GCM additional data) of a user's TOTP shared secret. */
export const TOTP_SECRET_PURPOSE = 'rampart:totp';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
// HKDF's info string names what the derived key is for, so the same input secret could later feed another
// key without the two being related; the version is in it so a v2 key is a different key.
const HKDF_INFO = 'rampart:mfa-secret:v1';
const KEY_BYTES = 32;
const MIN_INPUT_KEY_BYTES = 32;
// 96-bit random IVs are GCM's recommended size; at the volume of MFA enrolments the chance of two repeating
// under one key is negligible (NIST SP 800-38D §8.3 allows 2^32 random-IV encryptions per key).
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Thrown when a sealed value cannot be opened: malformed, unknown version, wrong key or purpose, or altered. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(config: ApiConfig) {
    const inputKey = Buffer.from(config.mfa.encryptionKey, 'utf8');
    // The config schema already demands 32+ bytes; checked again so a hand-built config cannot slip a weak
    // key in. The message never includes the key.
    if (inputKey.length < MIN_INPUT_KEY_BYTES) {
      throw new Error(`the MFA encryption key must be at least ${MIN_INPUT_KEY_BYTES} bytes`);
    }
    this.key = Buffer.from(hkdfSync('sha256', inputKey, Buffer.alloc(0), HKDF_INFO, KEY_BYTES));
  }

  /** Encrypts `plaintext` for `purpose` (e.g. TOTP_SECRET_PURPOSE); sealing the same text twice differs. */
  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(purposeBytes(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, ...[iv, ciphertext, tag].map((part) => part.toString('base64url'))].join('.');
  }

  /** Decrypts a value from seal() with the same purpose; throws SecretBoxError when it cannot be trusted. */
  open(sealed: string, purpose: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4) throw new SecretBoxError('sealed secret is malformed');
    const [version, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string];
    if (version !== VERSION) throw new SecretBoxError('sealed secret has an unsupported version');
    const iv = decodePart(ivPart, IV_BYTES);
    const ciphertext = decodePart(ciphertextPart);
    const tag = decodePart(tagPart, TAG_BYTES);

    const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(purposeBytes(purpose));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // GCM cannot tell a wrong key, a wrong purpose and an altered value apart, and nor should the message.
      throw new SecretBoxError('sealed secret could not be authenticated');
    }
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
