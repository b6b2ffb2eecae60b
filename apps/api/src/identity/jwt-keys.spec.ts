import { createHash } from 'node:crypto';
import { JwtKeyring, jwtKeyId } from './jwt-keys';

const K1 = 'first-signing-secret-0123456789-0123456789';
const K2 = 'second-signing-secret-0123456789-012345678';
const K3 = 'third-signing-secret-0123456789-0123456789';

describe('jwtKeyId', () => {
  it('is 16 hex digits, stable for a secret and different between secrets', () => {
    expect(jwtKeyId(K1)).toMatch(/^[0-9a-f]{16}$/);
    expect(jwtKeyId(K1)).toBe(jwtKeyId(K1));
    expect(jwtKeyId(K1)).not.toBe(jwtKeyId(K2));
  });

  it('reveals neither the secret nor its plain SHA-256', () => {
    const id = jwtKeyId(K1);
    expect(K1).not.toContain(id);
    expect(Buffer.from(K1).toString('hex')).not.toContain(id);
    expect(createHash('sha256').update(K1).digest('hex')).not.toContain(id);
  });
});

describe('JwtKeyring', () => {
  const decode = (key: Uint8Array | undefined): string | undefined =>
    key === undefined ? undefined : new TextDecoder().decode(key);

  it('signs with the current key under its own id', () => {
    const ring = new JwtKeyring(K2, [K1]);
    expect(ring.signing.kid).toBe(jwtKeyId(K2));
    expect(decode(ring.signing.key)).toBe(K2);
  });

  it('verifies with the key the id names: the current one or a retired one', () => {
    const ring = new JwtKeyring(K2, [K1, K3]);
    expect(decode(ring.verifying(jwtKeyId(K2))?.key)).toBe(K2);
    expect(decode(ring.verifying(jwtKeyId(K1))?.key)).toBe(K1);
    expect(decode(ring.verifying(jwtKeyId(K3))?.key)).toBe(K3);
  });

  it('knows no key for an id of a dropped key, an unknown id or an id that is not a string', () => {
    const ring = new JwtKeyring(K2, [K3]);
    for (const kid of [
      jwtKeyId(K1),
      'not-a-key-id',
      '',
      jwtKeyId(K2).toUpperCase(),
      42,
      null,
      {},
      [jwtKeyId(K2)],
    ]) {
      expect(ring.verifying(kid)).toBeUndefined();
    }
  });

  it('verifies a token without an id with the current key only, never a retired one', () => {
    const ring = new JwtKeyring(K2, [K1]);
    expect(decode(ring.verifying(undefined)?.key)).toBe(K2);
    expect(new JwtKeyring(K1, []).verifying(undefined)?.kid).toBe(jwtKeyId(K1));
  });
});
