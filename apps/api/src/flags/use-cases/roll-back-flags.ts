import { Injectable } from '@nestjs/common';
import { FlagSetVersionRepository } from '@rampart/db';
import { type CommittedFlagSet, FlagSets } from '@rampart/flag-store';
import { DomainError, validationProblem } from '@rampart/http';
import type { FlagChangeInput } from '../flag-edit';

export type RollbackTarget = { toVersion: number } | { previous: true } | { allOff: true };

export interface RollBackFlagsInput extends FlagChangeInput {
  target: RollbackTarget;
}

/**
 * Puts the flag set back: to an older version's whole content (flags, segments, rules and archive
 * state), to the version before the current one, or every flag off (the emergency procedure). It is
 * a new version like any other change; history keeps what it replaced.
 */
@Injectable()
export class RollBackFlags {
  constructor(
    private readonly flagSets: FlagSets,
    private readonly versions: FlagSetVersionRepository,
  ) {}

  async execute({ target, ...change }: RollBackFlagsInput): Promise<CommittedFlagSet> {
    if ('allOff' in target) {
      return this.flagSets.commit({
        ...change,
        kind: 'rollback',
        restoredFrom: null,
        apply: (current) => ({
          ...current,
          flags: Object.fromEntries(
            Object.entries(current.flags).map(([key, flag]) => [key, { ...flag, enabled: false }]),
          ),
        }),
      });
    }
    const toVersion = 'toVersion' in target ? target.toVersion : change.expectedVersion - 1;
    if (toVersion < 1 || toVersion >= change.expectedVersion) {
      throw validationProblem({
        toVersion: [
          change.expectedVersion <= 1
            ? 'there is no earlier version to roll back to'
            : `must be a version before ${change.expectedVersion}`,
        ],
      });
    }
    // Versions never change once written, so reading it outside the transaction is safe.
    const restored = await this.versions.find(toVersion);
    if (!restored) throw new DomainError('version_not_found', 404, `There is no version ${toVersion}.`);
    return this.flagSets.commit({
      ...change,
      kind: 'rollback',
      restoredFrom: toVersion,
      apply: () => restored.content,
    });
  }
}
