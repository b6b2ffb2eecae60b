import { Injectable } from '@nestjs/common';
import { fieldPath } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { validationProblem } from '@rampart/http';
import { type FlagChangeInput, existingFlag, parseFlag, withFlag } from '../flag-edit';

/** Per flag: `true` / `false` to switch it on or off, or the fields to replace. */
export type FlagUpdate = boolean | Record<string, unknown>;

export interface UpdateFlagsInput extends FlagChangeInput {
  updates: Record<string, FlagUpdate>;
}

/** Several flags changed in one version: all of them, or none (the seed's "enable three flags at once"). */
@Injectable()
export class UpdateFlags {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({ updates, ...change }: UpdateFlagsInput): Promise<CommittedFlagSet> {
    const keys = Object.keys(updates);
    if (!keys.length) throw validationProblem({ updates: ['name at least one flag'] });
    return this.flagSets.commit({
      ...change,
      renameFields: Object.fromEntries(
        keys.map((key) => [fieldPath(['flags', key]), fieldPath(['updates', key])]),
      ),
      apply: (current) =>
        keys.reduce((content, key) => {
          const update = updates[key];
          const flag = existingFlag(content, key);
          if (typeof update === 'boolean') return withFlag(content, { ...flag, enabled: update });
          if ('key' in (update ?? {}) && update?.key !== key) {
            throw validationProblem({ [`${fieldPath(['updates', key])}.key`]: ['a flag keeps its key'] });
          }
          return withFlag(content, parseFlag({ ...flag, ...update, key }, fieldPath(['updates', key])));
        }, current),
    });
  }
}
