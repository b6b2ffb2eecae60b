// Ends every Jest run with one plain line, "Tests: N passed, N failed, N skipped", after Jest's own
// summary: the closing-line format CI tooling that does not know Jest's summary reads.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // Suites that failed to run at all (syntax errors, failed hooks) count as failures too.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

module.exports = PlainSummaryReporter;
