import type { FlagSetSnapshot } from '@rampart/flag-evaluation';

/** The whole flag set as one version holds it: the snapshot less its version number. */
export type FlagSetContent = Pick<FlagSetSnapshot, 'flags' | 'segments'>;

export type FlagSetChangeKind = 'change' | 'rollback';

/** One flag's or segment's change from a version to the next; null where it did not exist. */
export interface FlagSetDiffEntry {
  type: 'flag' | 'segment';
  key: string;
  before: unknown;
  after: unknown;
}

/** A committed version, without its content (history lists many). */
export interface FlagSetVersionSummary {
  version: number;
  kind: FlagSetChangeKind;
  restoredFrom: number | null;
  actor: string;
  actorId: string | null;
  reason: string;
  changes: FlagSetDiffEntry[];
  createdAt: Date;
}

export interface FlagSetVersion extends FlagSetVersionSummary {
  content: FlagSetContent;
}

export type NewFlagSetVersion = Omit<FlagSetVersion, 'createdAt'>;
