/**
 * What a flag is for, which decides how long it is expected to live. Release and experiment flags
 * are temporary: past their expected lifetime (Unleash's defaults, 40 days) they are reported stale
 * so that someone removes them. Operational, kill-switch and permission flags are meant to stay.
 */
export const FLAG_KINDS = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;

export type FlagKind = (typeof FLAG_KINDS)[number];

/** Days a flag of each kind is expected to live; null: no expected end. */
export const EXPECTED_LIFETIME_DAYS: Readonly<Record<FlagKind, number | null>> = {
  release: 40,
  experiment: 40,
  operational: null,
  'kill-switch': null,
  permission: null,
};

const MILLISECONDS_PER_DAY = 86_400_000;

/**
 * Whether a flag has outlived its kind's expected lifetime at `now` (the caller's clock: this lib
 * reads none). Archived flags are never stale: they are already on their way out.
 */
export function isStale(flag: { kind: FlagKind; archived: boolean }, createdAt: Date, now: Date): boolean {
  const lifetimeDays = EXPECTED_LIFETIME_DAYS[flag.kind];
  if (lifetimeDays === null || flag.archived) return false;
  return now.getTime() - createdAt.getTime() > lifetimeDays * MILLISECONDS_PER_DAY;
}
