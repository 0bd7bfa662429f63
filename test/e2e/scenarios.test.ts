import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import { startSim, type Sim } from '../../sim/index.js';
import { listScenarios, loadScenario } from '../../sim/scenario.js';

/**
 * Every shipped scenario, end to end: the real SDK / Kubernetes / pg / HTTP clients against the simulated
 * deployment over the network, asserting exactly the check ids the scenario says fail or error.
 */
let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: 'healthy' });
});
afterAll(async () => {
  await sim?.stop();
});

const ids = (xs: { checkId: string }[]) => [...new Set(xs.map((x) => x.checkId))].sort();

describe('End to end: scenarios', () => {
  it('finds no problem at all on the healthy deployment', async () => {
    await sim.apply('healthy');
    const report = await auditDeployment(sim.deployment);
    expect(report.findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(report.summary.byStatus.pass).toBeGreaterThan(20);
  });

  for (const name of listScenarios().filter((n) => n !== 'healthy')) {
    it(`scenario ${name}: exactly the expected checks fail`, async () => {
      const scenario = loadScenario(name);
      await sim.apply(scenario);
      const report = await auditDeployment(sim.deployment);
      expect({
        failing: ids(report.findings.filter((f) => f.status === 'fail')),
        erroring: ids(report.findings.filter((f) => f.status === 'error')),
      }).toEqual({
        failing: [...scenario.expect.failing].sort(),
        erroring: [...scenario.expect.erroring].sort(),
      });
      for (const f of report.findings.filter((x) => x.status === 'fail')) {
        expect(f.remediation?.commands.length, `${f.checkId} has a filled-in fix`).toBeGreaterThan(0);
      }
    });
  }
});
