import { Injectable } from '@nestjs/common';
import { type Segment, fieldPath } from '@rampart/flag-evaluation';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { DomainError } from '@rampart/http';
import { type FlagChangeInput, parseSegment, withSegment } from '../flag-edit';

export interface CreateSegmentInput extends FlagChangeInput {
  segment: unknown;
}

/** A new named, reusable condition set, versioned with the flags. */
@Injectable()
export class CreateSegment {
  constructor(private readonly flagSets: FlagSets) {}

  async execute({
    segment: input,
    ...change
  }: CreateSegmentInput): Promise<{ committed: CommittedFlagSet; segment: Segment }> {
    const segment = parseSegment(input, 'segment');
    const committed = await this.flagSets.commit({
      ...change,
      renameFields: { [fieldPath(['segments', segment.key])]: 'segment' },
      apply: (current) => {
        if (Object.hasOwn(current.segments, segment.key)) {
          throw new DomainError('segment_exists', 409, `A segment "${segment.key}" exists already.`, {
            key: segment.key,
          });
        }
        return withSegment(current, segment);
      },
    });
    return { committed, segment };
  }
}
