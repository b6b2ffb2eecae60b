import { Injectable } from '@nestjs/common';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { type FlagChangeInput, existingSegment } from '../flag-edit';

export interface DeleteSegmentInput extends FlagChangeInput {
  key: string;
}

/** Removes a segment no flag targets (the set's validation refuses it while one does). History keeps it. */
@Injectable()
export class DeleteSegment {
  constructor(private readonly flagSets: FlagSets) {}

  execute({ key, ...change }: DeleteSegmentInput): Promise<CommittedFlagSet> {
    return this.flagSets.commit({
      ...change,
      apply: (current) => {
        existingSegment(current, key);
        const segments = { ...current.segments };
        delete segments[key];
        return { ...current, segments };
      },
    });
  }
}
