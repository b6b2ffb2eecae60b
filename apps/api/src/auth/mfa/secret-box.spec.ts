// Unit tests for SecretBox: round trips, the sealed format, and refusal of anything altered, sealed under
// another key or purpose, or not in the v1 format.
import { type ApiConfig } from '@rampart/config';
import { SecretBox, SecretBoxError, TOTP_SECRET_PURPOSE } from './secret-box';

const KEY = 'test-only-mfa-encryption-key-0123456789';
const OTHER_KEY = 'another-test-only-mfa-encryption-key-9876';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function boxWithKey(encryptionKey: string): SecretBox {
  return new SecretBox({ mfa: { encryptionKey, issuer: 'Rampart' } } as ApiConfig);
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

  it('writes v1.<iv>.<ciphertext>.<tag> in base64url with a 12-byte IV and a 16-byte tag', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
  });

  it('seals the same text differently each time (random IV)', () => {
    const first = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    const second = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it('opens with another instance built from the same key (the key is derived, not random)', () => {
    expect(boxWithKey(KEY).open(box.seal(SECRET, TOTP_SECRET_PURPOSE), TOTP_SECRET_PURPOSE)).toBe(SECRET);
  });

  it.each([
    ['IV', 1],
    ['ciphertext', 2],
    ['tag', 3],
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

  it('refuses an unknown version', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(sealed.replace(/^v1\./, 'v2.'), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses a truncated tag even though GCM could check a shorter one', () => {
    const sealed = box.seal(SECRET, TOTP_SECRET_PURPOSE);
    expect(() => box.open(sealed.slice(0, -6), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it.each([
    ['empty', ''],
    ['plaintext', SECRET],
    ['too few parts', 'v1.AAAAAAAAAAAAAAAA.AAAA'],
    ['too many parts', 'v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA'],
    ['standard base64', 'v1.AAAAAAAAAAAAAAA+.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['padding', 'v1.AAAAAAAAAAAAAAAA.AAA=.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.AAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses a malformed value (%s)', (_label, sealed) => {
    expect(() => box.open(sealed, TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses non-canonical base64url (spare bits set in the last character)', () => {
    const parts = box.seal(SECRET, TOTP_SECRET_PURPOSE).split('.');
    const tag = parts[3] ?? '';
    // 16 bytes take 22 characters, the last carrying 4 spare bits that a canonical encoder leaves at 0; the
    // next character of the alphabet sets one of them and decodes to the very same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const altered = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag.at(-1) ?? '') + 1];
    expect(Buffer.from(altered, 'base64url')).toEqual(Buffer.from(tag, 'base64url'));
    parts[3] = altered;
    expect(() => box.open(parts.join('.'), TOTP_SECRET_PURPOSE)).toThrow(SecretBoxError);
  });

  it('refuses an empty purpose and a key shorter than 32 bytes', () => {
    expect(() => box.seal(SECRET, '')).toThrow();
    expect(() => boxWithKey('too-short-key')).toThrow(/at least 32 bytes/);
  });
});
