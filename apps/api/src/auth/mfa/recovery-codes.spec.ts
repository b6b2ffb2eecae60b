// Unit tests for recovery codes: format and alphabet, distinctness, normalisation of what users type, hashing.
import { generateRecoveryCodes, hashRecoveryCode, normaliseRecoveryCode } from './recovery-codes';

const CODE_FORMAT = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

describe('generateRecoveryCodes', () => {
  it('makes 10 distinct codes by default, formatted XXXXX-XXXXX in Crockford base32', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(CODE_FORMAT);
  });

  it('makes the number asked for and refuses a nonsensical count', () => {
    expect(generateRecoveryCodes(3)).toHaveLength(3);
    expect(() => generateRecoveryCodes(0)).toThrow(RangeError);
    expect(() => generateRecoveryCodes(2.5)).toThrow(RangeError);
  });

  it('never uses I, L, O or U, and uses the whole alphabet', () => {
    const symbols = new Set(generateRecoveryCodes(200).join('').replace(/-/g, ''));
    expect([...symbols].filter((symbol) => 'ILOU'.includes(symbol))).toEqual([]);
    // 2,000 draws from 32 symbols: a missing symbol would mean a broken mapping, not bad luck (p < 1e-25).
    expect(symbols.size).toBe(32);
  });
});

describe('normaliseRecoveryCode', () => {
  it('strips spaces and dashes and upper-cases', () => {
    expect(normaliseRecoveryCode('abcde-fghjk')).toBe('ABCDEFGHJK');
    expect(normaliseRecoveryCode(' ABCDE FGHJK ')).toBe('ABCDEFGHJK');
    expect(normaliseRecoveryCode('ab cd-e\tfg-hjk\n')).toBe('ABCDEFGHJK');
  });

  it('reads I and L as 1 and O as 0, as Crockford decoding does', () => {
    expect(normaliseRecoveryCode('i0lo1-OoIlL')).toBe('1010100111');
  });
});

describe('hashRecoveryCode', () => {
  it('hashes the typed variants of one code the same', () => {
    const hash = hashRecoveryCode('abcde-fghjk');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(' ABCDE FGHJK ')).toBe(hash);
    expect(hashRecoveryCode('ABCDEFGHJK')).toBe(hash);
  });

  it('is the SHA-256 of the normalised code', () => {
    // echo -n ABCDEFGHJK | sha256sum
    expect(hashRecoveryCode('abcde-fghjk')).toBe(
      'f57cbf1e3e471b25db4b8ad0844df41b2dae9c7d1944944d128e49294d412f66',
    );
  });

  it('hashes different codes differently', () => {
    const [first = '', second = ''] = generateRecoveryCodes(2);
    expect(hashRecoveryCode(first)).not.toBe(hashRecoveryCode(second));
    expect(hashRecoveryCode('ABCDE-FGHJK')).not.toBe(hashRecoveryCode('ABCDE-FGHJM'));
  });
});
