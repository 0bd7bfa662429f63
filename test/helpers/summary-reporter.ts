import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Ends the run with the plain line `N passed, N failed, N skipped` that CI reads to know tests ran
 * (vitest's own summary is not one of the formats it parses). A file that failed outside its tests (an
 * import error, a failing beforeAll) and an unhandled error each count as a failure, so the line never
 * says "0 failed" for a run that failed.
 */
export default class SummaryReporter implements Reporter {
  public onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const count = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const m of testModules) {
      let failedTests = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed += 1;
        else if (state === 'failed') failedTests += 1;
        else count.skipped += 1;
      }
      count.failed += failedTests;
      if (failedTests === 0 && (m.state() === 'failed' || m.errors().length > 0)) count.failed += 1;
    }
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
