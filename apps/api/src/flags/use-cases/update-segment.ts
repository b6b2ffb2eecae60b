import { Injectable } from '@nestjs/common';
import { type Segment, fieldPath } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { validationProblem } from '@rampart/http';
import { type FlagChangeInput, existingSegment, parseSegment, withSegment } from '../flag-edit';

export interface UpdateSegmentInput extends FlagChangeInput {
  key: string;
  changes: Record<string, unknown>;
}

/** Changes some fields of a segment; every flag that targets it follows in the same version. */
@Injectable()
export class UpdateSegment {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    key,
    changes,
    ...change
  }: UpdateSegmentInput): Promise<{ committed: CommittedFlagSet; segment: Segment }> {
    if ('key' in changes && changes.key !== key) {
      throw validationProblem({ 'changes.key': ['a segment keeps its key'] });
    }
    const committed = await this.flagSets.commit({
      ...change,
      renameFields: { [fieldPath(['segments', key])]: 'changes' },
      apply: (current) =>
        withSegment(current, parseSegment({ ...existingSegment(current, key), ...changes, key }, 'changes')),
    });
    return { committed, segment: existingSegment(committed.snapshot, key) };
  }
}
