import type { FlagSets } from '@rampart/flag-store';

/** Adds `flag` to the current flag set as `system:tests`: a spec's setup, not what it tests. */
export async function addFlag(sets: FlagSets, flag: { key: string }): Promise<void> {
  const current = await sets.current();
  await sets.commit({
    expectedVersion: current.version,
    precondition: 'body',
    actor: 'system:tests',
    reason: 'test setup',
    apply: (content) => ({ ...content, flags: { ...content.flags, [flag.key]: flag as never } }),
  });
}
