import { type FlagSetEdit, FlagSets } from '@rampart/flag-store';
import { FlagUsageRecorder } from '../../../apps/api/src/flags/flag-usage-recorder';
import { ListStaleFlags } from '../../../apps/api/src/flags/use-cases/list-stale-flags';
import { type FlagFixture, booleanFlag } from '../../factories';
import { useApi } from '../support/apps';
import { useDatabase } from '../support/data-stores';

/** The stale-flag report: flags past their kind's lifetime, and flags nobody evaluates. */
describe('ListStaleFlags', () => {
  const api = useApi();
  const db = useDatabase();

  /** Commits the flag, then dates the version that created it `daysAgo` days back. */
  const createdDaysAgo = async (flag: FlagFixture, daysAgo: number): Promise<void> => {
    const flagSets = api.get(FlagSets);
    const edit: FlagSetEdit = {
      expectedVersion: (await flagSets.current()).version,
      precondition: 'body',
      actor: 'system:tests',
      reason: 'stale report test',
      apply: (current) => ({ ...current, flags: { ...current.flags, [flag.key]: flag as never } }),
    };
    const { snapshot } = await flagSets.commit(edit);
    await db.rows(
      `UPDATE flag_set_versions SET created_at = now() - make_interval(days => $2) WHERE version = $1`,
      [snapshot.version, daysAgo],
    );
  };

  const report = async (unusedDays = 30) =>
    new Map(
      (await api.get(ListStaleFlags).execute({ unusedDays, now: new Date() })).flags.map((stale) => [
        stale.flag.key,
        stale.reasons,
      ]),
    );

  it('names release flags past their lifetime and flags nobody evaluated for the given days', async () => {
    const oldRelease = booleanFlag({ kind: 'release' });
    const oldOperational = booleanFlag({ kind: 'operational' });
    const oldButUsed = booleanFlag({ kind: 'operational' });
    const fresh = booleanFlag({ kind: 'release' });
    await createdDaysAgo(oldRelease, 50);
    await createdDaysAgo(oldOperational, 50);
    await createdDaysAgo(oldButUsed, 50);
    await createdDaysAgo(fresh, 1);
    const recorder = api.get(FlagUsageRecorder);
    recorder.record(
      [oldButUsed.key, oldRelease.key].map((key) => ({
        key,
        value: true,
        variant: 'on',
        reason: 'STATIC' as const,
        metadata: {},
      })),
    );
    await recorder.flush();

    const stale = await report();
    expect(stale.get(oldRelease.key)).toEqual(['past_expected_lifetime']);
    expect(stale.get(oldOperational.key)).toEqual(['not_evaluated']);
    expect(stale.has(oldButUsed.key)).toBe(false);
    expect(stale.has(fresh.key)).toBe(false);
    // With a longer window, nothing 50 days old counts as unused.
    expect((await report(60)).has(oldOperational.key)).toBe(false);
  });
});
