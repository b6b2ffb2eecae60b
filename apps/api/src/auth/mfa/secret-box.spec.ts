// Unit tests for SecretBox: round trips, the sealed format, refusal of anything altered, sealed under
// another key or purpose, or not in the v2 (or legacy v1) format, and opening across a key rotation.
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { type ApiConfig } from '@rampart/config';
import { SecretBox, SecretBoxError, TOTP_SECRET_PURPOSE } from './secret-box';

const KEY = 'test-only-mfa-encryption-key-0123456789';
const OTHER_KEY = 'another-test-only-mfa-encryption-key-9876';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function boxWithKey(encryptionKey: string, previousEncryptionKeys: string[] = []): SecretBox {
  return new SecretBox({ mfa: { encryptionKey, previousEncryptionKeys, issuer: 'Rampart' } } as ApiConfig);
}

/** A value as the v1 SecretBox (before key ids) sealed it, written independently of the code under test. */
function sealV1(encryptionKey: string, plaintext: string, purpose: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(encryptionKey), Buffer.alloc(0), 'rampart:mfa-secret:v1', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'))].join('.');
}

/** Replaces the first character of one dot-separated part with another base64url character. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = (part.startsWith('A') ? 'B' : 'A') + part.slice(1);
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = boxWithKey(KEY);

  it('opens what it sealed', () => {
    expect(box.open(box.seal(SECRET, TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(box.open(box.seal('', TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE)).toBe('');
    expect(box.open(box.seal('ünïcødé ✓', TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE)).toBe('ünïcødé ✓');
  });

  it('writes v2.<key id>.<iv>.<ciphertext>.<tag> in base64url with a 12-byte IV and a 16-byte tag', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(sealed).toMatch(/^v2\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed.split('.')[1]).toBe(box.currentKeyId);
    expect(sealed).not.toContain(SECRET);
    expect(box.isCurrent(sealed)).toBe(true);
  });

  it('seals the same text differently each time (random IV)', () => {
    const first = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    const second = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(first).not.toBe(second);
    expect(first.split('.')[2]).not.toBe(second.split('.')[2]);
  });

  it('opens with another instance built from the same key (the key is derived, not random)', () => {
    expect(boxWithKey(KEY).open(box.seal(SECRET, TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE)).toBe(SECRET);
  });

  it.each([
    ['IV', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a value whose %s was altered', (_part, index) => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(tamper(sealed, index), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses a value sealed under another key', () => {
    const sealed = boxWithKey(OTHER_KEY).seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(sealed, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses a value sealed for another purpose', () => {
    const sealed = box.seal(SECRET, 'rampart:something-else');
    expect(() => box.open(sealed, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses an unknown version, and a v2 value relabelled as another key', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(sealed.replace(/^v2\./, 'v3.'), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
    const otherId = boxWithKey(OTHER_KEY).currentKeyId;
    expect(() => box.open(sealed.replace(box.currentKeyId, otherId), TOTP_SECRET_PURPOSE)).toThrow(
      SecretBoxError,
    );
  });

  it('refuses a truncated tag even though GCM could check a shorter one', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(sealed.slice(0, -6), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it.each([
    ['empty', ''],
    ['plaintext', SECRET],
    ['too few parts', 'v1.AAAAAAAAAAAAAAAA.AAAA'],
    ['too many parts', 'v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAA'],
    ['v2 without a key id', 'v2.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['standard base64', 'v1.AAAAAAAAAAAAAAA+.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['padding', 'v1.AAAAAAAAAAAAAAAA.AAA=.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.AAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses a malformed value (%s)', (_label, sealed) => {
    expect(() => box.open(sealed, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses non-canonical base64url (spare bits set in the last character)', () => {
    const parts = box.seal(SECRET, TOTP_SECRET_PURPOSE).split('.');
    const tag = parts[4] ?? '';
    // 16 bytes take 22 characters, the last carrying 4 spare bits that a canonical encoder leaves at 0; the
    // next character of the alphabet sets one of them and decodes to the very same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const altered = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag.at(-1) ?? '') + 1];
    expect(Buffer.from(altered, 'base64url')).toEqual(Buffer.from(tag, 'base64url'));
    parts[4] = altered;
    expect(() => box.open(parts.join('.'), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses an empty purpose and a key shorter than 32 bytes', () => {
    expect(() => box.seal(SECRET, '')).toThrow();
    expect(() => boxWithKey('too-short-key')).toThrow(/at least 32 bytes/);
  });
});

describe('SecretBox across a rotation of MFA_ENCRYPTION_KEY', () => {
  const before = boxWithKey(KEY);
  const during = boxWithKey(OTHER_KEY, [KEY]);
  const after = boxWithKey(OTHER_KEY);

  it('opens values of the previous key by their key id, and seals only under the current one', () => {
    const old = before.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(during.open(old, TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(during.isCurrent(old)).toBe(false);
    const resealed = during.seal(during.open(old, TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE);
    expect(during.isCurrent(resealed)).toBe(true);
    expect(resealed.split('.')[1]).toBe(after.currentKeyId);
    expect(after.open(resealed, TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(() => after.open(old, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('opens legacy v1 values with the current key or a previous one, never counting them as current', () => {
    const underOld = sealV1(KEY, SECRET, TOTP_SECRET_PURPOSE);
    const underNew = sealV1(OTHER_KEY, SECRET, TOTP_SECRET_PURPOSE);
    expect(before.open(underOld, TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(during.open(underOld, TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(during.open(underNew, TOTP_SECRET_PURPOSE)).toBe(SECRET);
    expect(during.isCurrent(underNew)).toBe(false);
    expect(() => after.open(underOld, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
    expect(() => during.open(sealV1(KEY, SECRET, 'rampart:other'), TOTP_SECRET_PURPOSE)).toThrow(
      SecretBoxError,
    );
  });

  it('derives a key id that is neither the key nor the same for two keys', () => {
    expect(before.currentKeyId).toMatch(/^[0-9a-f]{16}$/);
    expect(before.currentKeyId).not.toBe(after.currentKeyId);
    expect(KEY).not.toContain(before.currentKeyId);
    expect(Buffer.from(KEY).toString('hex')).not.toContain(before.currentKeyId);
  });
});
