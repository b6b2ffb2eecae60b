import { Injectable } from '@nestjs/common';
import { type Flag, fieldPath } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { type FlagChangeInput, parseFlag, withFlag } from '../flag-edit';

export interface CreateFlagInput extends FlagChangeInput {
  /** The flag as the request sent it (field `flag`). */
  flag: unknown;
}

/** A new flag, in a new version of the set. Its key must be new, archived flags included. */
@Injectable()
export class CreateFlag {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    flag: input,
    ...change
  }: CreateFlagInput): Promise<{ committed: CommittedFlagSet; flag: Flag }> {
    const flag = parseFlag(input, 'flag');
    const committed = await this.flagSets.commit({
      ...change,
      renameFields: { [fieldPath(['flags', flag.key])]: 'flag' },
      apply: (current) => {
        if (Object.hasOwn(current.flags, flag.key)) {
          throw new DomainError('flag_exists', 409, `A flag "${flag.key}" exists already.`, {
            key: flag.key,
          });
        }
        return withFlag(current, flag);
      },
    });
    return { committed, flag };
  }
}
