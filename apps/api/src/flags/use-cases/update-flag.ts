import { Injectable } from '@nestjs/common';
import { type Flag, fieldPath } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { validationProblem } from '@rampart/http';
import { type FlagChangeInput, existingFlag, parseFlag, withFlag } from '../flag-edit';

export interface UpdateFlagInput extends FlagChangeInput {
  key: string;
  /** The fields to replace (a list such as `rules` is replaced whole); the key cannot change. */
  changes: Record<string, unknown>;
}

/** Changes some fields of one flag, in a new version of the set. */
@Injectable()
export class UpdateFlag {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    key,
    changes,
    ...change
  }: UpdateFlagInput): Promise<{ committed: CommittedFlagSet; flag: Flag }> {
    if ('key' in changes && changes.key !== key) {
      throw validationProblem({ 'changes.key': ['a flag keeps its key; create a new flag instead'] });
    }
    let updated: Flag | undefined;
    const committed = await this.flagSets.commit({
      ...change,
      renameFields: { [fieldPath(['flags', key])]: 'changes' },
      apply: (current) => {
        updated = parseFlag({ ...existingFlag(current, key), ...changes, key }, 'changes');
        return withFlag(current, updated);
      },
    });
    return { committed, flag: updated ?? existingFlag(committed.snapshot, key) };
  }
}
