// Flags for the Jest tiers: a valid boolean flag by default, each call with a key of its own.
import { randomBytes } from 'node:crypto';

export interface FlagFixture extends Record<string, unknown> {
  key: string;
}

/** A unique flag key (`<prefix>-<random>`), so specs sharing a run's flag set never collide. */
export function uniqueFlagKey(prefix = 'flag'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A boolean release flag, on, serving `on` to everyone unless `overrides` say otherwise. */
export function booleanFlag(overrides: Partial<FlagFixture> = {}): FlagFixture {
  return {
    key: uniqueFlagKey(),
    name: 'A test flag',
    owner: 'team-tests',
    kind: 'release',
    type: 'boolean',
    variants: { on: true, off: false },
    enabled: true,
    offVariant: 'off',
    defaultVariant: 'on',
    ...overrides,
  };
}
