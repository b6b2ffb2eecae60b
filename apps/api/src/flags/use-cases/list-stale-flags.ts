import { Injectable } from '@nestjs/common';
import { FlagUsageRepository } from '@rampart/db';
import { type Flag, isStale } from '@rampart/flag-evaluation';
import { FlagSets } from '@rampart/flag-store';

export interface ListStaleFlagsInput {
  /** A flag not evaluated for this many days (or never, since it was created that long ago) is unused. */
  unusedDays: number;
  now: Date;
}

export type StaleReason = 'past_expected_lifetime' | 'not_evaluated';

export interface StaleFlag {
  flag: Flag;
  reasons: StaleReason[];
  createdAt: Date | null;
  lastEvaluatedAt: Date | null;
}

const DAY_MS = 86_400_000;

/**
 * Flags to clean up: release and experiment flags past their kind's expected lifetime, and flags no
 * process has evaluated for `unusedDays` days. Archived flags are left out.
 */
@Injectable()
export class ListStaleFlags {
  constructor(
    private readonly flagSets: FlagSets,
    private readonly usage: FlagUsageRepository,
  ) {}

  async execute({ unusedDays, now }: ListStaleFlagsInput): Promise<{ version: number; flags: StaleFlag[] }> {
    const [snapshot, created, evaluated] = await Promise.all([
      this.flagSets.current(),
      this.usage.creationTimes(),
      this.usage.lastEvaluations(),
    ]);
    const unusedSince = now.getTime() - unusedDays * DAY_MS;
    const flags = Object.values(snapshot.flags).flatMap((flag): StaleFlag[] => {
      if (flag.archived) return [];
      const createdAt = created.get(flag.key) ?? null;
      const lastEvaluatedAt = evaluated.get(flag.key) ?? null;
      const reasons: StaleReason[] = [];
      if (createdAt && isStale(flag, createdAt, now)) reasons.push('past_expected_lifetime');
      const lastSign = lastEvaluatedAt ?? createdAt;
      if (lastSign && lastSign.getTime() < unusedSince) reasons.push('not_evaluated');
      return reasons.length ? [{ flag, reasons, createdAt, lastEvaluatedAt }] : [];
    });
    return { version: snapshot.version, flags };
  }
}
