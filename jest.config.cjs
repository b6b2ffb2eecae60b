// Three tiers in one run (one summary), in this order:
// - unit: specs beside the code (pure logic) and the static deployment checks;
// - integration: use cases and repositories in process (Nest booted from the TypeScript sources, no
//   build) against the real PostgreSQL and Redis;
// - e2e: suites over HTTP against real PostgreSQL, Redis and spawned app processes.
// `npm test` builds first; the e2e suites spawn the built apps from dist/. The integration and e2e
// tiers each get a fresh, migrated database and a Redis key prefix per run (test/support/run-setup.ts).
const swc = [
  '@swc/jest',
  {
    swcrc: false,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // .mts: the helpers the benchmarks share with the tests (Node runs them as they are; Jest compiles).
  transform: { '^.+\\.m?ts$': swc },
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'ts', 'mts', 'json', 'node'],
  moduleNameMapper: { '^@rampart/(.*)$': '<rootDir>/libs/$1/src' },
};

/** A tier on the real data stores: its run database and Redis prefix, and the tier its files read them by. */
function onDataStores(tier) {
  return {
    ...shared,
    displayName: tier,
    globals: { RAMPART_TEST_TIER: tier },
    // A module per tier: Jest runs each global setup module once, for the first project naming it.
    globalSetup: `<rootDir>/test/${tier}/support/global-setup.ts`,
    globalTeardown: `<rootDir>/test/${tier}/support/global-teardown.ts`,
  };
}

/** @type {import('jest').Config} */
module.exports = {
  // Per test; the e2e suites start processes and wait for queues. (Jest reads this at the top level only.)
  testTimeout: 60_000,
  testSequencer: '<rootDir>/test/support/tier-sequencer.cjs',
  reporters: ['default', '<rootDir>/test/support/plain-summary-reporter.cjs'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/deploy/**/*.spec.ts',
        '<rootDir>/test/boundaries/**/*.spec.ts',
        // Pure helpers of the scripts (the bench's CPU profile parser), beside their code.
        '<rootDir>/scripts/**/*.spec.mts',
      ],
    },
    { ...onDataStores('integration'), testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...onDataStores('e2e'), testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
