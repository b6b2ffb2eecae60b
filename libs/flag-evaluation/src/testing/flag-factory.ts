import type { Condition, Segment } from '../condition-schema';
import type { Flag, Rule } from '../flag-schema';
import type { FlagSetSnapshot } from '../flag-set-schema';

/**
 * Test data for the specs: a valid boolean release flag unless told otherwise, so each spec
 * states only what it is about.
 */
export function aFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    key: 'checkout',
    name: 'New checkout',
    description: '',
    owner: 'team-payments',
    tags: [],
    kind: 'release',
    type: 'boolean',
    variants: { on: true, off: false },
    enabled: true,
    offVariant: 'off',
    defaultVariant: 'off',
    rules: [],
    prerequisites: [],
    clientVisible: false,
    metadata: {},
    archived: false,
    ...overrides,
  };
}

/** A rule serving `variant` (default `on`) when every condition holds. */
export function aRule(conditions: Condition[] = [], overrides: Partial<Rule> = {}): Rule {
  return { conditions, serve: { variant: 'on' }, ...overrides };
}

export function aSegment(overrides: Partial<Segment> = {}): Segment {
  return {
    key: 'beta-testers',
    name: 'Beta testers',
    description: '',
    conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@example.com'] }],
    ...overrides,
  };
}

/** A snapshot holding these flags and segments, keyed by their keys. */
export function aSnapshot(flags: Flag[], segments: Segment[] = [], version = 1): FlagSetSnapshot {
  return {
    version,
    flags: Object.fromEntries(flags.map((flag) => [flag.key, flag])),
    segments: Object.fromEntries(segments.map((segment) => [segment.key, segment])),
  };
}
