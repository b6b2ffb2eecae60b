import { Injectable } from '@nestjs/common';
import type { Flag } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { type FlagChangeInput, existingFlag, withFlag } from '../flag-edit';

export interface SetFlagEnabledInput extends FlagChangeInput {
  key: string;
  enabled: boolean;
}

/** The kill switch: one flag on or off (off serves its offVariant to everyone). */
@Injectable()
export class SetFlagEnabled {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    key,
    enabled,
    ...change
  }: SetFlagEnabledInput): Promise<{ committed: CommittedFlagSet; flag: Flag }> {
    const committed = await this.flagSets.commit({
      ...change,
      apply: (current) => withFlag(current, { ...existingFlag(current, key), enabled }),
    });
    return { committed, flag: existingFlag(committed.snapshot, key) };
  }
}
