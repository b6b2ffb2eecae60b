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

/** The unsigned 32-bit hash of `bytes` with `seed`. */
export function murmur3X86Hash32Bytes(bytes: Uint8Array, seed: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tail = bytes.length & ~3;
  let hash = seed >>> 0;
  for (let offset = 0; offset < tail; offset += 4) {
    hash ^= mixBlock(view.getUint32(offset, true));
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  let last = 0;
  for (let index = bytes.length - 1; index >= tail; index -= 1) {
    last = (last << 8) | view.getUint8(index);
  }
  if (bytes.length > tail) hash ^= mixBlock(last);
  hash ^= bytes.length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The unsigned 32-bit hash of the UTF-8 encoding of `text` with `seed`. */
export function murmur3X86Hash32(text: string, seed: number): number {
  return murmur3X86Hash32Bytes(encoder.encode(text), seed);
}
