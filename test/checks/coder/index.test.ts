import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../lambdas/audit/runner.js';
import { coderGroup } from '../../../lambdas/checks/coder/index.js';
import { loadScenario } from '../../../sim/scenario.js';
import { CANARY, startTwin, type Twin } from '../../sim/coder/twin.js';
import { coderDeployment } from './fixtures.js';

let twin: Twin;
const CODER_CHECKS = new Set(coderGroup.checks.map((c) => c.meta.id));

async function audit() {
  return runAudit({
    deployment: twin.deployment,
    groups: [coderGroup as never],
    aws: twin.aws,
    calls: twin.calls,
  });
}

beforeAll(async () => {
  twin = await startTwin();
});
afterAll(() => twin.stop());

describe('Group: coder', () => {
  it('is skipped without a coder section', () => {
    expect(coderGroup.skipReason({ ...coderDeployment(), coder: undefined })).toMatch(/not configured/);
    expect(coderGroup.skipReason(coderDeployment())).toBeUndefined();
  });

  it.each([
    'healthy',
    'provisioner-key-expired',
    'provisioner-offline',
    'template-acl-empty',
    'health-report-warnings',
    'oidc-issuer-mismatch',
    'coder-api-malformed',
    'coder-token-auditor',
    'coder-open-source',
    'provisioner-daemon-history',
    'oidc-entra',
  ])('scenario %s: exactly the expected checks fail, error and are skipped', async (name) => {
    const scenario = loadScenario(name);
    await twin.part.apply(scenario, new Date());
    twin.faults.set(scenario.faults);
    const report = await audit();
    const ids = (status: string) =>
      [...new Set(report.findings.filter((f) => f.status === status).map((f) => f.checkId))].sort();
    expect(ids('fail')).toEqual(scenario.expect.failing.filter((id) => CODER_CHECKS.has(id)).sort());
    expect(ids('error')).toEqual(scenario.expect.erroring.filter((id) => CODER_CHECKS.has(id)).sort());
    expect(ids('skipped')).toEqual(scenario.expect.skipped.filter((id) => CODER_CHECKS.has(id)).sort());
    expect(JSON.stringify(report)).not.toContain(CANARY);
  });

  it('Noncompliance: reads a health report coderd builds on request within the group budget, not callMs', async () => {
    // The cached report is an hour old: coderd runs its checks while the request waits (1.5 s), longer
    // than one call may take (1 s) but well within the group's deadline.
    await twin.apply({ healthcheck: { cachedAgeMinutes: 60, durationMs: 1_500 } });
    const deployment = { ...twin.deployment, timeouts: { callMs: 1_000, groupMs: 8_000 } };
    const report = await runAudit({
      deployment,
      groups: [coderGroup as never],
      aws: twin.aws,
      calls: twin.calls,
    });
    const health = report.findings.filter((f) => f.checkId === 'coder-health-report');
    expect(health.map((f) => f.status)).toEqual(Array(health.length).fill('pass'));
    expect(health.length).toBeGreaterThan(1);
  });

  it('reads each endpoint once, in a chain of at most three (secret → reads → template ACLs)', async () => {
    await twin.apply();
    const calls = twin.calls;
    const before = calls.list().length;
    await audit();
    const records = calls.list().slice(before);
    const ops = records.map((r) => `${r.service}:${r.operation}`);
    // Only the per-template routes (ACL, versions) are called twice: two expected templates.
    expect(new Set(ops).size).toBe(ops.length - 2);
    expect(ops.filter((o) => o.endsWith('/acl') || o.endsWith('/versions'))).toHaveLength(4);
    expect(Math.max(...records.map((r) => r.depth))).toBeLessThanOrEqual(3);
    expect(records.find((r) => r.operation === 'GET /healthz')!.depth).toBe(1);
  });
});
