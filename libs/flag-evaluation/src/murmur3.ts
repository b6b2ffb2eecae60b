/**
 * MurmurHash3, x86 32-bit variant, over the UTF-8 bytes of a string: the hash every Unleash SDK
 * buckets users with. Written here rather than taken from npm because none of the packages fits:
 * `murmurhash3js` (what Unleash's own Node SDK and spec script use) hashes `charCode & 0xff`, so any
 * non-ASCII id lands in a different bucket than with the Java, Go or Rust SDKs, which hash UTF-8;
 * `murmurhash3js-revisited` takes bytes but ships no types and has not been released since 2019.
 * The function is short, has no state, and the spec pins it to published vectors.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const encoder = new TextEncoder();

function mixBlock(block: number): number {
  const k = Math.imul(block, C1);
  return Math.imul((k << 15) | (k >>> 17), C2);
}

/** The hash of `length` bytes, byte `index` read by `byteAt`, with `seed`. */
function hashBytes(length: number, byteAt: (index: number) => number, seed: number): number {
  const tail = length & ~3;
  let hash = seed >>> 0;
  for (let offset = 0; offset < tail; offset += 4) {
    const block =
      byteAt(offset) | (byteAt(offset + 1) << 8) | (byteAt(offset + 2) << 16) | (byteAt(offset + 3) << 24);
    hash ^= mixBlock(block);
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  let last = 0;
  for (let index = length - 1; index >= tail; index -= 1) {
    last = (last << 8) | byteAt(index);
  }
  if (length > tail) hash ^= mixBlock(last);
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The unsigned 32-bit hash of `bytes` with `seed`. */
export function murmur3X86Hash32Bytes(bytes: Uint8Array, seed: number): number {
  return hashBytes(bytes.length, (index) => bytes[index] ?? 0, seed);
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0x7f) return false;
  }
  return true;
}

/**
 * The unsigned 32-bit hash of the UTF-8 encoding of `text` with `seed`. An ASCII string is its own
 * UTF-8, so its character codes are hashed as they are: no encoded copy per evaluation (bucketing
 * runs for every rollout and split a context meets).
 */
export function murmur3X86Hash32(text: string, seed: number): number {
  if (isAscii(text)) return hashBytes(text.length, (index) => text.charCodeAt(index), seed);
  return murmur3X86Hash32Bytes(encoder.encode(text), seed);
}
