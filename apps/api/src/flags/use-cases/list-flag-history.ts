import { Injectable } from '@nestjs/common';
import { type FlagSetVersionSummary, FlagSetVersionRepository, changedKeyOf } from '@rampart/db';

export interface ListFlagHistoryInput {
  /** Only versions that changed this flag. */
  flag?: string;
  /** Only versions that changed this segment. */
  segment?: string;
  /** The `nextCursor` of the previous page: versions before it. */
  cursor?: number;
  limit: number;
}

export interface FlagHistoryPage {
  items: FlagSetVersionSummary[];
  nextCursor: number | null;
}

/** Versions newest first, with actor, time, reason and each change's before → after. */
@Injectable()
export class ListFlagHistory {
  constructor(private readonly versions: FlagSetVersionRepository) {}

  async execute({ flag, segment, cursor, limit }: ListFlagHistoryInput): Promise<FlagHistoryPage> {
    const changedKey =
      flag !== undefined
        ? changedKeyOf({ type: 'flag', key: flag })
        : segment !== undefined
          ? changedKeyOf({ type: 'segment', key: segment })
          : undefined;
    const items = await this.versions.history({
      ...(changedKey ? { changedKey } : {}),
      ...(cursor !== undefined ? { before: cursor } : {}),
      limit,
    });
    return { items, nextCursor: items.length === limit ? (items[items.length - 1]?.version ?? null) : null };
  }
}
