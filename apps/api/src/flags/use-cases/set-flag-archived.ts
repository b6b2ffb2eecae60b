import { Injectable } from '@nestjs/common';
import type { Flag } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { type FlagChangeInput, existingFlag, withFlag } from '../flag-edit';

export interface SetFlagArchivedInput extends FlagChangeInput {
  key: string;
  archived: boolean;
}

/**
 * Archives a flag (evaluation then answers FLAG_NOT_FOUND; its key stays taken and its history
 * kept) or restores it. A flag another flag depends on cannot be archived: the set's validation
 * refuses the prerequisite.
 */
@Injectable()
export class SetFlagArchived {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    key,
    archived,
    ...change
  }: SetFlagArchivedInput): Promise<{ committed: CommittedFlagSet; flag: Flag }> {
    const committed = await this.flagSets.commit({
      ...change,
      apply: (current) => withFlag(current, { ...existingFlag(current, key), archived }),
    });
    return { committed, flag: existingFlag(committed.snapshot, key) };
  }
}
