import { SIM_SERVICES } from '../../sim/faults.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import { changeLine } from '../../lambdas/audit/model.js';
import { startSim, type Sim } from '../../sim/index.js';
import { listScenarios, loadScenario, rootCauseMap } from '../../sim/scenario.js';

/**
 * Every shipped scenario, end to end: the real SDK / Kubernetes / pg / HTTP clients against the simulated
 * deployment over the network, asserting exactly the check ids the scenario says fail, error or are skipped,
 * and exactly its root causes (with the checks each leaves unchecked).
 */
let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: 'healthy' });
});
afterAll(async () => {
  await sim?.stop();
});

const ids = (xs: { checkId: string }[]) => [...new Set(xs.map((x) => x.checkId))].sort();
/** `expect.rootCauses` with its keys and symptom lists sorted, as `rootCauseMap` gives them. */
const normalise = (m: Record<string, string[]>) =>
  Object.fromEntries(
    Object.entries(m)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, [...new Set(v)].sort()]),
  );

describe('End to end: scenarios', () => {
  it('finds no problem at all on the healthy deployment', async () => {
    await sim.apply('healthy');
    const report = await auditDeployment(sim.deployment);
    expect(report.findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(report.summary.byStatus.pass).toBeGreaterThan(20);
  });

  it('points symptoms at their root cause in the CLI path too (demo scenario)', async () => {
    await sim.apply('demo');
    const report = await auditDeployment(sim.deployment);
    const cause = report.findings.find((f) => f.checkId === 'db-sg-allows-nodes' && f.status === 'fail')!;
    for (const symptom of ['coderd-ready', 'nlb-targets-healthy', 'coder-healthz']) {
      const f = report.findings.find((x) => x.checkId === symptom && x.status === 'fail');
      expect(f?.rootCause, symptom).toBe(cause.fingerprint);
    }
    expect(cause.rootCause).toBeUndefined();
    // The report leads with it: the security group explains the critical outage.
    expect(report.rootCauses?.[0]).toMatchObject({
      checkId: 'db-sg-allows-nodes',
      effectiveSeverity: 'critical',
    });
    // ...and says who changed it: the Terraform run that revoked the rule (CloudTrail), newest write first.
    expect(cause.changes).toMatchObject({
      resourceName: 'sg-0db0000000000001a',
      hours: 24,
      events: [
        {
          principal: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821',
          eventName: 'RevokeSecurityGroupIngress',
        },
      ],
    });
    expect(changeLine(cause.changes!)).toMatch(
      /^changed by arn:aws:sts::123456789012:assumed-role\/terraform-ci\/gha-run-4821 at \S+Z \(RevokeSecurityGroupIngress\)$/,
    );
    // A failing resource nobody touched says so.
    const capacity = report.findings.find((f) => f.checkId === 'nodegroup-capacity' && f.status === 'fail')!;
    expect(changeLine(capacity.changes!)).toBe('no change in 24 h (CloudTrail)');
  });

  it('names who deleted the NAT gateway a blackhole route still points to (CloudTrail DeleteNatGateway)', async () => {
    await sim.apply('nat-gateway-deleted');
    const report = await auditDeployment(sim.deployment);
    const hole = report.findings.find((f) => f.checkId === 'nat-gateway-capacity' && f.status === 'fail')!;
    expect(hole).toMatchObject({ reason: 'blackhole-route', resource: 'rtb-0a0de0000000000a1' });
    expect(changeLine(hole.changes!)).toMatch(
      /^changed by arn:aws:sts::123456789012:assumed-role\/finops-cleanup\/idle-resources-sweep at \S+Z \(DeleteNatGateway\)$/,
    );
    // The other zone's gateway, still routed, is read and passes.
    expect(
      report.findings
        .filter((f) => f.checkId === 'nat-gateway-capacity' && f.status === 'pass')
        .map((f) => f.resource),
    ).toEqual(['nat-0a0de000000000b22']);
  });

  it('calls exactly the AWS actions the README policy grants (read-only)', async () => {
    // A healthy audit, and one with failing AWS resources (CloudTrail is read only about those).
    const ops = new Set<string>();
    for (const name of ['healthy', 'demo']) {
      await sim.apply(name);
      const report = await auditDeployment(sim.deployment);
      for (const op of Object.keys(report.calls.byOperation)) ops.add(op);
    }
    const prefix: Record<string, string> = { elbv2: 'elasticloadbalancing' };
    // Every simulated AWS service (the others: Kubernetes, PostgreSQL, Coder and the IdP).
    const notAws = new Set(['kubernetes', 'postgres', 'coder', 'oidc']);
    const aws = new Set<string>(SIM_SERVICES.filter((s) => !notAws.has(s)));
    const called = [...ops]
      .map((op) => op.split(':') as [string, string])
      .filter(([service]) => aws.has(service))
      .map(([service, operation]) => `${prefix[service] ?? service}:${operation}`);
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const block = /### Read-only permissions[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!;
    const policy = JSON.parse(block) as { Statement: Array<{ Action: string | string[] }> };
    const granted = policy.Statement.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect([...new Set(called)].sort()).toEqual(
      [...new Set(granted.filter((a) => a !== 'rds-db:connect'))].sort(),
    );
    expect(granted.every((a) => /:(Describe|Get|List|Lookup|connect)/.test(a))).toBe(true);
  });

  for (const name of listScenarios()) {
    it(`scenario ${name}: exactly the expected checks fail, with exactly the expected root causes`, async () => {
      const scenario = loadScenario(name);
      await sim.apply(scenario);
      const report = await auditDeployment(sim.deployment);
      expect(scenario.expect.rootCauses, `${name} states expect.rootCauses`).toBeDefined();
      expect({
        failing: ids(report.findings.filter((f) => f.status === 'fail')),
        erroring: ids(report.findings.filter((f) => f.status === 'error')),
        skipped: ids(report.findings.filter((f) => f.status === 'skipped')),
        rootCauses: rootCauseMap(report),
      }).toEqual({
        failing: [...scenario.expect.failing].sort(),
        erroring: [...scenario.expect.erroring].sort(),
        skipped: [...scenario.expect.skipped].sort(),
        rootCauses: normalise(scenario.expect.rootCauses ?? {}),
      });
      for (const f of report.findings.filter((x) => x.status === 'fail')) {
        // A fix that needs a component this report finds down says so instead of printing commands.
        if (f.remediation?.blockedBy) continue;
        expect(f.remediation?.commands.length, `${f.checkId} has a filled-in fix`).toBeGreaterThan(0);
      }
    });
  }
});
