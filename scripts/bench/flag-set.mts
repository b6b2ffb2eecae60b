// The flag set of the flags benchmark (scripts/bench/scenarios/flags.mts): 20 flags of every type
// and kind with the rules real flags have (lists, prefixes and suffixes, numbers, versions, dates,
// CIDR ranges, a segment, percentage rollouts, weighted splits, prerequisites), one segment, and the
// evaluation contexts the load sends. Keys are fixed (bench-flags-*), not random: the flag set is
// versioned and append-only, so flags can be archived but never deleted, and a fresh set of keys per
// run would grow every version of the bench database's flag set by 20 archived flags a run.
// Shapes: libs/flag-evaluation/src/flag-schema.ts and condition-schema.ts.

export const BENCH_KEY_PREFIX = 'bench-flags-';

export interface BenchCondition {
  attribute?: string;
  operator: string;
  values: string[];
  inverted?: boolean;
  caseInsensitive?: boolean;
}

export interface BenchRule {
  description?: string;
  conditions: BenchCondition[];
  rollout?: number;
  serve: { variant: string } | { split: { variant: string; weight: number }[] };
  stickiness?: string;
  groupId?: string;
}

/** A flag with every field given, so that writing it over a stored one leaves nothing of the old. */
export interface BenchFlag {
  key: string;
  name: string;
  description: string;
  owner: string;
  tags: string[];
  kind: 'release' | 'experiment' | 'operational' | 'kill-switch' | 'permission';
  type: 'boolean' | 'string' | 'number';
  variants: Record<string, boolean | string | number>;
  enabled: boolean;
  offVariant: string;
  defaultVariant: string;
  rules: BenchRule[];
  prerequisites: { flag: string; enabled: boolean; variants?: string[] }[];
  clientVisible: boolean;
  metadata: Record<string, string | number | boolean>;
  archived: boolean;
}

export interface BenchSegment {
  key: string;
  name: string;
  description: string;
  conditions: BenchCondition[];
}

const key = (name: string): string => `${BENCH_KEY_PREFIX}${name}`;

export const BENCH_SEGMENT: BenchSegment = {
  key: key('beta-testers'),
  name: 'Beta testers (bench)',
  description: 'Staff and beta addresses on a paid plan',
  conditions: [
    {
      attribute: 'email',
      operator: 'ends_with',
      values: ['@corp.example', '@beta.example'],
      caseInsensitive: true,
    },
    { attribute: 'plan', operator: 'in', values: ['pro', 'team', 'enterprise'] },
  ],
};

const inBeta: BenchCondition = { operator: 'in_segment', values: [BENCH_SEGMENT.key] };
const BOOLEAN = { type: 'boolean', variants: { on: true, off: false }, offVariant: 'off' } as const;

function flag(
  name: string,
  fields: Pick<BenchFlag, 'kind' | 'type' | 'variants' | 'offVariant' | 'defaultVariant'> &
    Partial<BenchFlag>,
): BenchFlag {
  return {
    key: key(name),
    name: `${name} (bench)`,
    description: '',
    owner: 'team-bench',
    tags: ['bench'],
    enabled: true,
    rules: [],
    prerequisites: [],
    clientVisible: false,
    metadata: {},
    archived: false,
    ...fields,
  };
}

/** The flag OFREP single is measured on: five rules, a prerequisite, a segment, rollouts and splits. */
export const SINGLE_FLAG_KEY = key('checkout-flow');
/** The flag the propagation run switches on and off: no rules, so on is true and off is false for anyone. */
export const TOGGLE_FLAG_KEY = key('kill-switch-exports');

/** Parents first: a flag's prerequisites must exist when it is created. */
export const BENCH_FLAGS: BenchFlag[] = [
  flag('payments-v2', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    rules: [
      {
        conditions: [
          { attribute: 'country', operator: 'in', values: ['US', 'CA', 'GB', 'DE', 'NZ', 'AU', 'FR'] },
        ],
        rollout: 80,
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('checkout-flow', {
    kind: 'experiment',
    type: 'string',
    variants: { classic: 'classic', 'one-page': 'one-page', 'two-step': 'two-step' },
    offVariant: 'classic',
    defaultVariant: 'classic',
    prerequisites: [{ flag: key('payments-v2'), enabled: true }],
    metadata: { team: 'payments', jira: 'PAY-123' },
    rules: [
      {
        description: 'staff first',
        conditions: [
          { attribute: 'email', operator: 'ends_with', values: ['@corp.example'], caseInsensitive: true },
        ],
        serve: { variant: 'one-page' },
      },
      {
        description: 'beta testers: half and half',
        conditions: [inBeta],
        serve: {
          split: [
            { variant: 'one-page', weight: 50 },
            { variant: 'two-step', weight: 50 },
          ],
        },
      },
      {
        description: 'established paying customers on a recent app, in the launch countries',
        conditions: [
          { attribute: 'country', operator: 'in', values: ['CA', 'NZ', 'AU', 'GB', 'IE'] },
          { attribute: 'plan', operator: 'in', values: ['pro', 'team', 'enterprise'] },
          { attribute: 'appVersion', operator: 'semver_gt', values: ['2.3.0'] },
          { attribute: 'accountAgeDays', operator: 'num_gte', values: ['30'] },
        ],
        rollout: 50,
        serve: {
          split: [
            { variant: 'classic', weight: 34 },
            { variant: 'one-page', weight: 33 },
            { variant: 'two-step', weight: 33 },
          ],
        },
      },
      {
        conditions: [{ attribute: 'targetingKey', operator: 'starts_with', values: ['user-0', 'user-1'] }],
        rollout: 20,
        serve: { variant: 'two-step' },
      },
      {
        description: 'new accounts on old apps keep the classic flow',
        conditions: [
          { attribute: 'accountAgeDays', operator: 'num_lt', values: ['7'] },
          { attribute: 'appVersion', operator: 'semver_lt', values: ['2.0.0'] },
        ],
        serve: { variant: 'classic' },
      },
    ],
  }),
  flag('kill-switch-exports', { kind: 'kill-switch', ...BOOLEAN, defaultVariant: 'on' }),
  flag('dark-mode', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    clientVisible: true,
    rules: [
      {
        conditions: [{ attribute: 'appVersion', operator: 'semver_gt', values: ['1.5.0'] }],
        rollout: 50,
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('search-ranking', {
    kind: 'experiment',
    type: 'string',
    variants: { bm25: 'bm25', semantic: 'semantic', hybrid: 'hybrid' },
    offVariant: 'bm25',
    defaultVariant: 'bm25',
    rules: [
      { conditions: [inBeta], serve: { variant: 'hybrid' } },
      {
        conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'GB'] }],
        serve: {
          split: [
            { variant: 'bm25', weight: 50_000 },
            { variant: 'semantic', weight: 30_000 },
            { variant: 'hybrid', weight: 20_000 },
          ],
        },
      },
    ],
  }),
  flag('max-upload-mb', {
    kind: 'operational',
    type: 'number',
    variants: { small: 10, medium: 50, large: 250 },
    offVariant: 'small',
    defaultVariant: 'small',
    rules: [
      {
        conditions: [{ attribute: 'plan', operator: 'in', values: ['enterprise'] }],
        serve: { variant: 'large' },
      },
      {
        conditions: [{ attribute: 'accountAgeDays', operator: 'num_gte', values: ['90'] }],
        serve: { variant: 'medium' },
      },
    ],
  }),
  flag('onboarding-v3', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    clientVisible: true,
    rules: [
      {
        conditions: [{ attribute: 'accountAgeDays', operator: 'num_lt', values: ['30'] }],
        rollout: 50,
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('pricing-page', {
    kind: 'experiment',
    type: 'string',
    variants: { monthly: 'monthly-first', annual: 'annual-first', calculator: 'calculator' },
    offVariant: 'monthly',
    defaultVariant: 'monthly',
    clientVisible: true,
    rules: [
      {
        conditions: [{ attribute: 'country', operator: 'not_in', values: ['US'] }],
        groupId: 'pricing-2025',
        serve: {
          split: [
            { variant: 'monthly', weight: 50 },
            { variant: 'annual', weight: 25 },
            { variant: 'calculator', weight: 25 },
          ],
        },
      },
    ],
  }),
  flag('legacy-editor', {
    kind: 'permission',
    ...BOOLEAN,
    defaultVariant: 'off',
    rules: [
      {
        conditions: [
          { attribute: 'email', operator: 'ends_with', values: ['@legacy.example'], caseInsensitive: true },
        ],
        serve: { variant: 'on' },
      },
      {
        description: 'enterprise outside the EU pilot',
        conditions: [
          { attribute: 'plan', operator: 'in', values: ['enterprise'] },
          { attribute: 'country', operator: 'in', values: ['DE', 'FR', 'IE'], inverted: true },
        ],
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('mobile-min-version', {
    kind: 'operational',
    type: 'string',
    variants: { none: 'none', soft: '2.2.0', hard: '2.0.0' },
    offVariant: 'none',
    defaultVariant: 'none',
    rules: [
      {
        conditions: [{ attribute: 'appVersion', operator: 'semver_lt', values: ['2.0.0'] }],
        serve: { variant: 'hard' },
      },
      {
        conditions: [{ attribute: 'appVersion', operator: 'semver_lt', values: ['2.2.0'] }],
        serve: { variant: 'soft' },
      },
    ],
  }),
  flag('recommendations', {
    kind: 'experiment',
    type: 'string',
    variants: { off: 'off', collaborative: 'collaborative', content: 'content-based' },
    offVariant: 'off',
    defaultVariant: 'off',
    rules: [
      {
        conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'team', 'enterprise'] }],
        stickiness: 'email',
        groupId: 'recs-q3',
        serve: {
          split: [
            { variant: 'off', weight: 20 },
            { variant: 'collaborative', weight: 40 },
            { variant: 'content', weight: 40 },
          ],
        },
      },
    ],
  }),
  flag('beta-banner', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    clientVisible: true,
    rules: [{ conditions: [inBeta], serve: { variant: 'on' } }],
  }),
  flag('cache-ttl-seconds', {
    kind: 'operational',
    type: 'number',
    variants: { short: 30, normal: 300, long: 3_600 },
    offVariant: 'normal',
    defaultVariant: 'normal',
    rules: [
      {
        conditions: [{ attribute: 'targetingKey', operator: 'starts_with', values: ['user-00'] }],
        serve: { variant: 'short' },
      },
      {
        conditions: [{ attribute: 'accountAgeDays', operator: 'num_gt', values: ['365'] }],
        serve: { variant: 'long' },
      },
    ],
  }),
  flag('ai-assistant', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    prerequisites: [{ flag: key('search-ranking'), enabled: true, variants: ['semantic', 'hybrid'] }],
    rules: [
      {
        conditions: [
          { attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] },
          { attribute: 'appVersion', operator: 'semver_gt', values: ['2.2.0'] },
          { attribute: 'country', operator: 'in', values: ['US', 'GB', 'CA', 'NZ', 'AU'] },
        ],
        rollout: 30,
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('maintenance-mode', { kind: 'kill-switch', ...BOOLEAN, defaultVariant: 'on', enabled: false }),
  flag('support-chat', {
    kind: 'release',
    ...BOOLEAN,
    defaultVariant: 'off',
    clientVisible: true,
    rules: [
      {
        description: 'paid plans since the launch date',
        conditions: [
          { attribute: 'currentTime', operator: 'date_after', values: ['2025-01-01T00:00:00Z'] },
          { attribute: 'plan', operator: 'in', values: ['pro', 'team', 'enterprise'] },
        ],
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('export-format', {
    kind: 'operational',
    type: 'string',
    variants: { csv: 'csv', xlsx: 'xlsx', parquet: 'parquet' },
    offVariant: 'csv',
    defaultVariant: 'csv',
    rules: [
      {
        conditions: [{ attribute: 'plan', operator: 'in', values: ['enterprise'] }],
        serve: { variant: 'parquet' },
      },
      {
        conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'team'] }],
        serve: { variant: 'xlsx' },
      },
    ],
  }),
  flag('internal-tools', {
    kind: 'permission',
    ...BOOLEAN,
    defaultVariant: 'off',
    rules: [
      {
        conditions: [{ attribute: 'ip', operator: 'in_cidr', values: ['10.0.0.0/8', '192.168.0.0/16'] }],
        serve: { variant: 'on' },
      },
      {
        conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@corp.example'] }],
        serve: { variant: 'on' },
      },
    ],
  }),
  flag('api-page-size', {
    kind: 'operational',
    type: 'number',
    variants: { small: 20, normal: 50, large: 100 },
    offVariant: 'normal',
    defaultVariant: 'normal',
    rules: [
      {
        conditions: [{ attribute: 'accountAgeDays', operator: 'num_lte', values: ['7'] }],
        serve: { variant: 'small' },
      },
      {
        conditions: [{ attribute: 'plan', operator: 'in', values: ['enterprise'] }],
        serve: { variant: 'large' },
      },
    ],
  }),
  flag('welcome-message', {
    kind: 'release',
    type: 'string',
    variants: { standard: 'Welcome!', nz: 'Kia ora!', ca: 'Welcome, eh!' },
    offVariant: 'standard',
    defaultVariant: 'standard',
    clientVisible: true,
    rules: [
      { conditions: [{ attribute: 'country', operator: 'in', values: ['NZ'] }], serve: { variant: 'nz' } },
      { conditions: [{ attribute: 'country', operator: 'in', values: ['CA'] }], serve: { variant: 'ca' } },
    ],
  }),
];

/** An OpenFeature evaluation context of six attributes, as a server SDK sends one per user. */
export type BenchContext = Record<string, string | number>;

const COUNTRIES = ['US', 'CA', 'NZ', 'GB', 'DE', 'AU', 'FR', 'IE'];
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const APP_VERSIONS = ['1.9.3', '2.1.0', '2.4.1', '3.0.0-rc.1', '2.3.5'];
const ACCOUNT_AGES = [3, 21, 45, 200, 800];
const DOMAINS = ['corp.example', 'beta.example', 'mail.example', 'partner.example', 'legacy.example'];

/** `count` different users, deterministic, spread over the attributes the rules test. */
export function benchContexts(count: number): BenchContext[] {
  return Array.from({ length: count }, (_, index) => ({
    targetingKey: `user-${String((index * 7_919) % 100_000).padStart(5, '0')}`,
    email: `user${index}@${DOMAINS[(index + Math.floor(index / 5)) % DOMAINS.length]}`,
    country: COUNTRIES[index % COUNTRIES.length] ?? 'US',
    plan: PLANS[Math.floor(index / 2) % PLANS.length] ?? 'free',
    appVersion: APP_VERSIONS[Math.floor(index / 3) % APP_VERSIONS.length] ?? '2.4.1',
    accountAgeDays: ACCOUNT_AGES[Math.floor(index / 7) % ACCOUNT_AGES.length] ?? 45,
  }));
}
