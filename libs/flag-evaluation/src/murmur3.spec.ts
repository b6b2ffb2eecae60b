import { readFileSync } from 'node:fs';
import path from 'node:path';
import { murmur3X86Hash32, murmur3X86Hash32Bytes } from './murmur3';

interface HashVector {
  input: string;
  seed: number;
  hash: number;
}

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../test-vectors/murmur3-x86-32.json'), 'utf8'),
) as Record<'published' | 'utf8', HashVector[]>;

describe('murmur3X86Hash32', () => {
  it.each(vectors.published)(
    'matches the published vector for $input with seed $seed',
    ({ input, seed, hash }) => {
      expect(murmur3X86Hash32(input, seed)).toBe(hash);
    },
  );

  it.each(vectors.utf8)('hashes the UTF-8 bytes of $input with seed $seed', ({ input, seed, hash }) => {
    expect(murmur3X86Hash32(input, seed)).toBe(hash);
  });

  it('hashes bytes, not UTF-16 code units truncated to a byte as murmurhash3js does', () => {
    // "ø" is U+00F8: one code unit, but two bytes (C3 B8) in UTF-8.
    expect(murmur3X86Hash32('ø', 0)).toBe(murmur3X86Hash32Bytes(Uint8Array.of(0xc3, 0xb8), 0));
    expect(murmur3X86Hash32('ø', 0)).not.toBe(murmur3X86Hash32Bytes(Uint8Array.of(0xf8), 0));
  });

  it('hashes an ASCII string as it hashes its bytes, at every tail length and up to U+007F', () => {
    const encoder = new TextEncoder();
    const samples = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      'user-1234:flag.key',
      '\u007f\u007f\u007f',
      'x\u0080',
      'é',
    ];
    for (let length = 0; length < 40; length += 1) {
      samples.push(
        Array.from({ length }, (_, index) => String.fromCharCode((index * 37 + length) % 128)).join(''),
      );
    }
    for (const text of samples) {
      for (const seed of [0, 1, 86028157]) {
        expect(murmur3X86Hash32(text, seed)).toBe(murmur3X86Hash32Bytes(encoder.encode(text), seed));
      }
    }
  });

  it('reads a byte view at an offset of a larger buffer', () => {
    const buffer = Uint8Array.of(9, 9, 0x61, 0x62, 0x63, 9);
    expect(murmur3X86Hash32Bytes(buffer.subarray(2, 5), 0)).toBe(murmur3X86Hash32('abc', 0));
  });
});
