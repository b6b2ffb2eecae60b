// Ends every Jest run with one plain line, "Tests: N passed, N failed, N skipped", after Jest's own
// summary: the closing-line format that CI tooling which does not know Jest's summary reads.
const { writeSync } = require('node:fs');

class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // Suites that failed to run at all (syntax errors, failed hooks) count as failures too.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `\nTests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    // Jest prints its summary after the reporters' onRunComplete; writing at exit puts this line last.
    process.once('exit', () => writeSync(2, line));
  }
}

module.exports = PlainSummaryReporter;
