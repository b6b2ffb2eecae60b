import { BlockList, isIP } from 'node:net';

/**
 * IPv4 and IPv6 addresses and CIDR ranges for `in_cidr`, on Node's own `net.BlockList` (pure and in
 * memory; it also matches IPv4-mapped IPv6 addresses against IPv4 ranges). Zone ids (`fe80::1%eth0`)
 * are refused: they name an interface of the sender's machine, which no rule can mean.
 */

type Family = 'ipv4' | 'ipv6';

/** The family of an address, or undefined when the text is not one. */
export function ipFamily(text: string): Family | undefined {
  if (text.includes('%')) return undefined;
  const version = isIP(text);
  if (version === 4) return 'ipv4';
  if (version === 6) return 'ipv6';
  return undefined;
}

function prefixLength(text: string, family: Family): number | undefined {
  const max = family === 'ipv4' ? 32 : 128;
  if (text.length === 0 || text.length > 3) return undefined;
  let value = 0;
  for (const char of text) {
    if (char < '0' || char > '9') return undefined;
    value = value * 10 + Number(char);
  }
  if (text.length > 1 && text[0] === '0') return undefined;
  return value <= max ? value : undefined;
}

interface IpRange {
  address: string;
  family: Family;
  /** Undefined for a single address. */
  prefix?: number;
}

function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = ipFamily(address);
  if (family === undefined) return undefined;
  if (slash === -1) return { address, family };
  const prefix = prefixLength(text.slice(slash + 1), family);
  return prefix === undefined ? undefined : { address, family, prefix };
}

/** Whether the text is an address or an `address/prefix` range. */
export function isIpRange(text: string): boolean {
  return parseIpRange(text) !== undefined;
}

/** A set of ranges; entries that are not addresses or ranges are left out, as Unleash's spec (22) does. */
export function compileIpRanges(entries: readonly string[]): BlockList {
  const ranges = new BlockList();
  for (const entry of entries) {
    const range = parseIpRange(entry);
    if (range === undefined) continue;
    if (range.prefix === undefined) ranges.addAddress(range.address, range.family);
    else ranges.addSubnet(range.address, range.prefix, range.family);
  }
  return ranges;
}

/** Whether an address falls in one of the ranges; false for anything that is not an address. */
export function ipInRanges(ranges: BlockList, text: string): boolean {
  const family = ipFamily(text);
  return family !== undefined && ranges.check(text, family);
}
