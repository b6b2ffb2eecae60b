import { isDeepStrictEqual } from 'node:util';
import type { FlagSetContent, FlagSetDiffEntry } from '@rampart/db';

function diffRecords(
  type: FlagSetDiffEntry['type'],
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): FlagSetDiffEntry[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => {
    const old = Object.hasOwn(before, key) ? before[key] : null;
    const now = Object.hasOwn(after, key) ? after[key] : null;
    return isDeepStrictEqual(old, now) ? [] : [{ type, key, before: old, after: now }];
  });
}

/** What changed from one flag set to the next, flag by flag and segment by segment (old → new). */
export function diffFlagSets(before: FlagSetContent, after: FlagSetContent): FlagSetDiffEntry[] {
  return [
    ...diffRecords('flag', before.flags, after.flags),
    ...diffRecords('segment', before.segments, after.segments),
  ];
}
