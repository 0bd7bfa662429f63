import { startSim } from './sim/index.ts';
import { runAudit } from './lambdas/audit/runner.ts';
import { createAwsClients } from './lambdas/clients/aws.ts';
import { CallRecorder } from './lambdas/audit/calls.ts';
import { databaseGroup } from './lambdas/checks/database/index.ts';
const sim = await startSim({ groups: ['database'], canary: 'E2ECANARYX' });
for (const name of ['healthy', 'db-long-running-query', 'db-connections-saturated', 'db-refusing-connections', 'healthy']) {
  const t0 = performance.now();
  await sim.apply(name);
  const t1 = performance.now();
  const calls = new CallRecorder();
  const aws = createAwsClients(sim.deployment, calls);
  const r = await runAudit({ deployment: sim.deployment, groups: [databaseGroup as never], aws, calls });
  aws.destroy();
  console.log(name, Math.round(t1 - t0), Math.round(performance.now() - t1), JSON.stringify(r.findings.map(f => `${f.checkId}:${f.status}`)), r.calls.maxDepth, JSON.stringify(r).includes('E2ECANARYX'));
}
await sim.stop();
