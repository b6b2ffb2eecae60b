// Unleash's client specification, run against Rampart's evaluator: each Unleash feature is
// translated into a Rampart flag by the small adapter below, and each expected result checked.
// The vectors are copied under ../test-vectors/unleash (Apache-2.0; see the README there).
// Where the models overlap the results are Unleash's; the cases Rampart deliberately answers
// otherwise are listed in EXCLUDED with the reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { keySchema, type Condition, type Operator } from './condition-schema';
import { evaluate, type EvaluationResult } from './evaluate';
import type { EvaluationContext } from './evaluation-context';
import type { Flag, Prerequisite, Rule } from './flag-schema';
import { validateFlagSet, type FlagSetSnapshot } from './flag-set-schema';

interface UnleashConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}
interface UnleashVariant {
  name: string;
  weight: number;
  stickiness?: string;
  payload?: { type: string; value: string };
  overrides?: { contextName: string; values: string[] }[];
}
interface UnleashStrategy {
  name: string;
  parameters?: Record<string, string>;
  constraints?: UnleashConstraint[];
  variants?: UnleashVariant[];
}
interface UnleashFeature {
  name: string;
  enabled: boolean;
  strategies: UnleashStrategy[];
  variants?: UnleashVariant[];
  dependencies?: { feature: string; enabled?: boolean; variants?: string[] }[];
}
interface UnleashContext {
  userId?: string;
  sessionId?: string;
  remoteAddress?: string;
  environment?: string;
  currentTime?: string;
  properties?: Record<string, string | null>;
}
interface UnleashTest<Expected> {
  description: string;
  context: UnleashContext;
  toggleName: string;
  expectedResult: Expected;
}
interface UnleashVariantResult {
  name: string;
  payload?: { type: string; value: string };
  enabled: boolean;
  feature_enabled: boolean;
}
interface UnleashSpecification {
  name: string;
  state: { features: UnleashFeature[] };
  tests?: UnleashTest<boolean>[];
  variantTests?: UnleashTest<UnleashVariantResult>[];
}

const VECTOR_FILES = [
  '08-variants',
  '10-flexible-rollout-strategy',
  '11-strategy-constraints-edge-cases',
  '12-custom-stickiness',
  '13-constraint-operators',
  '14-constraint-semver-operators',
  '16-strategy-variants',
  '17-dependent-features',
  '18-utf8-flag-names',
  '22-cidr-constraint-operators',
];

/** Test descriptions Rampart answers differently on purpose, with the reason. */
const EXCLUDED: Record<string, string> = {
  // Rampart has semver_eq, semver_lt and semver_gt only, as the operator list of the feature asks;
  // "at least" is written `semver_lt` inverted. These features use SEMVER_GTE / SEMVER_LTE.
  'F8.semverGTE should be enabled': 'no semver_gte operator',
  'F8.semverGTE should be enabled for greater': 'no semver_gte operator',
  'F8.semverGTE should be disabled': 'no semver_gte operator',
  'F8.semverLTE should be enabled': 'no semver_lte operator',
  'F8.semverLTE should be enabled for less': 'no semver_lte operator',
  'F8.semverLTE should be disabled': 'no semver_lte operator',
};

/** Unleash operators and their Rampart names; the regex operators (spec 21) have none on purpose. */
const OPERATOR_NAMES: Record<string, Operator> = {
  IN: 'in',
  NOT_IN: 'not_in',
  STR_STARTS_WITH: 'starts_with',
  STR_ENDS_WITH: 'ends_with',
  STR_CONTAINS: 'contains',
  NUM_EQ: 'num_eq',
  NUM_LT: 'num_lt',
  NUM_LTE: 'num_lte',
  NUM_GT: 'num_gt',
  NUM_GTE: 'num_gte',
  SEMVER_EQ: 'semver_eq',
  SEMVER_LT: 'semver_lt',
  SEMVER_GT: 'semver_gt',
  DATE_BEFORE: 'date_before',
  DATE_AFTER: 'date_after',
  IN_CIDR: 'in_cidr',
};

const DISABLED = 'disabled';

/**
 * Rampart keys are lowercase ASCII; Unleash names are not. The key is only a name: bucketing hashes
 * the groupId, which stays the Unleash name (UTF-8 and all), so the buckets are Unleash's.
 */
function keyOf(name: string): string {
  return [...name.toLowerCase()]
    .map((char) => (/[a-z0-9._-]/.test(char) ? char : `_${char.codePointAt(0)?.toString(16)}`))
    .join('');
}

/** Unleash's `default` stickiness (userId, then sessionId) is Rampart's targetingKey. */
function stickinessOf(unleash: string | undefined): string | undefined {
  return unleash === undefined || unleash === 'default' ? undefined : unleash;
}

function conditionOf(constraint: UnleashConstraint): Condition {
  const operator = OPERATOR_NAMES[constraint.operator] ?? (constraint.operator.toLowerCase() as Operator);
  return {
    attribute: constraint.contextName,
    operator,
    values: constraint.values ?? (constraint.value === undefined ? [] : [constraint.value]),
    ...(constraint.inverted ? { inverted: true } : {}),
    ...(constraint.caseInsensitive ? { caseInsensitive: true } : {}),
  };
}

function splitOf(variants: UnleashVariant[]): Rule['serve'] {
  return { split: variants.map((variant) => ({ variant: variant.name, weight: variant.weight })) };
}

/** One strategy as Rampart rules: the variant overrides first (each its own rule), then the strategy. */
function rulesOf(feature: UnleashFeature, strategy: UnleashStrategy): Rule[] {
  const conditions = (strategy.constraints ?? []).map(conditionOf);
  const parameters = strategy.parameters ?? {};
  if (strategy.name !== 'default' && strategy.name !== 'flexibleRollout') {
    throw new Error(`no translation for the ${strategy.name} strategy`);
  }
  const rollout = strategy.name === 'flexibleRollout' ? Number(parameters.rollout) : 100;
  const strategyGroup = parameters.groupId ?? feature.name;
  const strategyStickiness = stickinessOf(parameters.stickiness);
  const strategyVariants = strategy.variants ?? [];
  const featureVariants = feature.variants ?? [];
  if (strategyVariants.length > 0) {
    return [
      {
        conditions,
        rollout,
        groupId: strategyGroup,
        stickiness: strategyStickiness,
        serve: splitOf(strategyVariants),
      },
    ];
  }
  if (featureVariants.length === 0) {
    return [
      {
        conditions,
        rollout,
        groupId: strategyGroup,
        stickiness: strategyStickiness,
        serve: { variant: DISABLED },
      },
    ];
  }
  // Feature variants bucket on the feature name and their own stickiness; one Rampart rule has one
  // groupId and stickiness, so the rollout must not need a different one.
  const variantStickiness = stickinessOf(featureVariants[0]?.stickiness);
  if (
    rollout > 0 &&
    rollout < 100 &&
    (strategyGroup !== feature.name || strategyStickiness !== variantStickiness)
  ) {
    throw new Error(`${feature.name}: rollout and feature variants bucket differently`);
  }
  const overrides = featureVariants.flatMap((variant) =>
    (variant.overrides ?? []).map((override): Rule => ({
      conditions: [
        ...conditions,
        { attribute: override.contextName, operator: 'in', values: override.values },
      ],
      rollout,
      groupId: feature.name,
      stickiness: variantStickiness,
      serve: { variant: variant.name },
    })),
  );
  return [
    ...overrides,
    {
      conditions,
      rollout,
      groupId: feature.name,
      stickiness: variantStickiness,
      serve: splitOf(featureVariants),
    },
  ];
}

function prerequisiteOf(dependency: NonNullable<UnleashFeature['dependencies']>[number]): Prerequisite {
  const variants = dependency.variants ?? [];
  return {
    flag: keyOf(dependency.feature),
    enabled: dependency.enabled ?? true,
    ...(variants.length ? { variants } : {}),
  };
}

function flagOf(feature: UnleashFeature): Flag {
  const variants: Record<string, string> = { [DISABLED]: '' };
  for (const variant of [
    ...(feature.variants ?? []),
    ...feature.strategies.flatMap((s) => s.variants ?? []),
  ]) {
    variants[variant.name] = variant.payload?.value ?? variant.name;
  }
  // An Unleash feature with no strategies is on for everyone, as if it had the default strategy.
  const strategies = feature.strategies.length > 0 ? feature.strategies : [{ name: 'default' }];
  return {
    key: keyOf(feature.name),
    name: feature.name,
    description: '',
    owner: 'unleash-spec',
    tags: [],
    kind: 'release',
    type: 'string',
    variants,
    enabled: feature.enabled,
    offVariant: DISABLED,
    defaultVariant: DISABLED,
    rules: strategies.flatMap((strategy) => rulesOf(feature, strategy)),
    prerequisites: (feature.dependencies ?? []).map(prerequisiteOf),
    clientVisible: false,
    metadata: {},
    archived: false,
  };
}

/** An Unleash context as an OpenFeature one: flat, with userId (else sessionId) as targeting key. */
function contextOf(unleash: UnleashContext): EvaluationContext {
  const { properties, ...fields } = unleash;
  const targetingKey = unleash.userId ?? unleash.sessionId;
  return { ...fields, ...properties, ...(targetingKey === undefined ? {} : { targetingKey }) };
}

/** Unleash's isEnabled: the feature targets this context. */
function isEnabled(result: EvaluationResult): boolean {
  return result.reason === 'STATIC' || result.reason === 'TARGETING_MATCH' || result.reason === 'SPLIT';
}

function variantResultOf(result: EvaluationResult): UnleashVariantResult {
  const name = result.variant ?? DISABLED;
  return { name, enabled: name !== DISABLED, feature_enabled: isEnabled(result) };
}

function load(file: string): UnleashSpecification {
  const text = readFileSync(path.join(__dirname, '../test-vectors/unleash', `${file}.json`), 'utf8');
  return JSON.parse(text) as UnleashSpecification;
}

function snapshotOf(specification: UnleashSpecification): FlagSetSnapshot {
  const flags = specification.state.features.map(flagOf);
  const snapshot = {
    version: 1,
    flags: Object.fromEntries(flags.map((flag) => [flag.key, flag])),
    segments: {},
  };
  expect(Object.keys(snapshot.flags)).toHaveLength(flags.length);
  return snapshot;
}

describe.each(VECTOR_FILES)('Unleash client specification %s', (file) => {
  const specification = load(file);
  const snapshot = snapshotOf(specification);
  const run = <T>(tests: UnleashTest<T>[] | undefined): UnleashTest<T>[] =>
    (tests ?? []).filter((test) => EXCLUDED[test.description] === undefined);

  const enabledTests = run(specification.tests);
  if (enabledTests.length > 0) {
    it.each(enabledTests)('$description', ({ context, toggleName, expectedResult }) => {
      expect(isEnabled(evaluate(snapshot, keyOf(toggleName), contextOf(context)))).toBe(expectedResult);
    });
  }

  const variantTests = run(specification.variantTests);
  if (variantTests.length > 0) {
    it.each(variantTests)('$description', ({ context, toggleName, expectedResult }) => {
      const result = evaluate(snapshot, keyOf(toggleName), contextOf(context));
      const { payload, ...expected } = expectedResult;
      expect(variantResultOf(result)).toEqual(expected);
      if (payload !== undefined) expect(result.value).toBe(payload.value);
    });
  }
});

describe('where Rampart refuses at write time what Unleash evaluates', () => {
  /** The fields validateFlagSet refuses in a translated specification. */
  function refused(file: string): string[] {
    const validation = validateFlagSet(snapshotOf(load(file)));
    return validation.ok ? [] : Object.keys(validation.errors).sort();
  }

  it('accepts the translated features that use only what Rampart writes', () => {
    for (const file of [
      '08-variants',
      '10-flexible-rollout-strategy',
      '12-custom-stickiness',
      '16-strategy-variants',
    ]) {
      expect(refused(file)).toEqual([]);
    }
  });

  it('refuses conditions with no values (11): in [] and not_in [] say nothing a rule should', () => {
    expect(refused('11-strategy-constraints-edge-cases')).toEqual([
      'flags["feature.constraints.no_values"].rules[0].conditions[0].values',
      'flags["feature.constraints.no_values_not_in"].rules[0].conditions[0].values',
    ]);
  });

  it('refuses unknown operators and values the operator cannot use (13, 14, 22)', () => {
    expect(refused('13-constraint-operators')).toEqual([
      'flags["f7.invalid-operator"].rules[0].conditions[0].operator',
    ]);
    expect(refused('14-constraint-semver-operators')).toEqual(
      expect.arrayContaining(['flags["f8.invalidsemverwithleadingv"].rules[0].conditions[0].values[0]']),
    );
    expect(refused('22-cidr-constraint-operators')).toEqual([
      'flags["cidr.invalid.only"].rules[0].conditions[0].values[0]',
      'flags["cidr.ipv6.mixed.values"].rules[0].conditions[0].values[0]',
      'flags["cidr.mixed.values"].rules[0].conditions[0].values[0]',
    ]);
  });

  it('refuses prerequisite cycles, chains, missing parents and variants they lack (17), which Unleash evaluates as off', () => {
    expect(refused('17-dependent-features')).toEqual([
      'flags["child.with.cycle"].prerequisites[0].flag',
      'flags["child.with.transitive.dependency"].prerequisites[0].flag',
      'flags["parent.multiple.variants.child.enabled"].prerequisites[0].variants[1]',
      'flags["parent.non.matching.variant.child.enabled"].prerequisites[0].variants[0]',
      'flags["parent.with.cycle"].prerequisites[0].flag',
      'flags["parents.not.exist.child.enabled"].prerequisites[0].flag',
    ]);
  });

  it('refuses non-ASCII flag keys (18), while their names hash as UTF-8 groupIds', () => {
    const [feature] = load('18-utf8-flag-names').state.features;
    const name = feature?.name ?? '';
    expect(keySchema.safeParse(name).success).toBe(false);
    expect(refused('18-utf8-flag-names')).toEqual([]);
    // murmur3("Feature.UTF-8.Hellø_Wørld:1") % 100 + 1 is 37 (../test-vectors/murmur3-x86-32.json).
    const rolledOut = (rollout: string): FlagSetSnapshot =>
      snapshotOf({
        name: 'utf8-rollout',
        state: {
          features: [
            { name, enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout } }] },
          ],
        },
      });
    expect(isEnabled(evaluate(rolledOut('37'), keyOf(name), { targetingKey: '1' }))).toBe(true);
    expect(isEnabled(evaluate(rolledOut('36'), keyOf(name), { targetingKey: '1' }))).toBe(false);
  });
});
