// Runs the tiers in the order of jest.config.cjs's projects: unit, then integration, then e2e, so the
// fast tiers report first. Jest's own order (failed files first, then the slowest) would mix them.
// Within a tier, Jest's order stands.
const Sequencer = require('@jest/test-sequencer').default;

const TIERS = ['unit', 'integration', 'e2e'];

function rank(test) {
  const index = TIERS.indexOf(test.context.config.displayName?.name);
  return index < 0 ? TIERS.length : index;
}

class TierSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    // Array.prototype.sort is stable: Jest's order holds among the files of one tier.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = TierSequencer;
