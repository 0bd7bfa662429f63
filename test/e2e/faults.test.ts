import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDeployment } from '../../lambdas/audit/audit.js';
import type { DeploymentConfig } from '../../lambdas/audit/config.js';
import type { Finding } from '../../lambdas/audit/model.js';
import type { Fault } from '../../sim/faults.js';
import { startSim, type Sim } from '../../sim/index.js';

/** Faults injected into the simulated services, through the real clients and their retry strategies. */
let sim: Sim;
beforeAll(async () => {
  sim = await startSim({ scenario: 'db-sg-missing-5432' });
});
afterAll(async () => {
  await sim?.stop();
});

const outcome = (fs: Finding[]) => fs.map((f) => `${f.checkId} ${f.status} ${f.resource}`).sort();
const erroring = (fs: Finding[]) =>
  [...new Set(fs.filter((f) => f.status === 'error').map((f) => f.checkId))].sort();
const fault = (f: Partial<Fault> & Pick<Fault, 'service' | 'kind'>): Fault => ({ ms: 0, rate: 1, ...f });

async function auditWith(faults: Fault[], deployment: DeploymentConfig = sim.deployment) {
  sim.faults.set(faults);
  try {
    return await auditDeployment(deployment);
  } finally {
    sim.faults.set([]);
  }
}

describe('End to end: faults', () => {
  it('gives the same findings under 30% throttling of every AWS operation (the SDK retries)', async () => {
    const clean = await auditWith([]);
    const aws = ['eks', 'ec2', 'rds', 'elbv2', 'servicequotas', 'secretsmanager', 'sts'] as const;
    // Standard retry with 8 attempts: the chance that one call is throttled 8 times in a row is 0.3^8. The
    // backoff (up to 2^n s, jittered) is real, so the group deadline is raised well beyond it.
    const deployment = {
      ...sim.deployment,
      aws: { ...sim.deployment.aws, maxAttempts: 8 },
      timeouts: { ...sim.deployment.timeouts, groupMs: 60_000 },
    };
    const throttled = await auditWith(
      aws.map((service) => fault({ service, kind: 'throttle', rate: 0.3 })),
      deployment,
    );
    expect(outcome(throttled.findings)).toEqual(outcome(clean.findings));
    expect(clean.findings.some((f) => f.checkId === 'db-sg-allows-nodes' && f.status === 'fail')).toBe(true);
  });

  it('turns a hung service into error findings for its checks at the deadline; the audit completes', async () => {
    const deployment = { ...sim.deployment, timeouts: { callMs: 60_000, groupMs: 5_000 } };
    const r = await auditWith([fault({ service: 'rds', kind: 'hang' })], deployment);
    expect(erroring(r.findings)).toEqual(['aurora-cluster-available', 'aurora-recent-events']);
    for (const f of r.findings.filter((x) => x.status === 'error')) {
      expect(f.detail).toMatch(/check group infra did not finish within 5000 ms/);
    }
    expect(r.findings.find((f) => f.checkId === 'db-sg-allows-nodes')?.status).toBe('fail');
  });

  it('errors only the checks that need a service that denies access', async () => {
    const r = await auditWith([fault({ service: 'elbv2', kind: 'accessDenied' })]);
    expect(erroring(r.findings)).toEqual(['nlb-health-check-config', 'nlb-targets-healthy']);
    const nlb = r.findings.find((f) => f.checkId === 'nlb-targets-healthy')!;
    expect(nlb.detail).toMatch(/AccessDenied/);
  });

  it('turns a hung Kubernetes API into error findings for the cluster checks; the other groups report', async () => {
    const deployment = { ...sim.deployment, timeouts: { callMs: 60_000, groupMs: 5_000 } };
    const r = await auditWith([fault({ service: 'kubernetes', kind: 'hang' })], deployment);
    const cluster = r.findings.filter((f) => f.group === 'cluster');
    expect(cluster.length).toBeGreaterThan(0);
    expect(cluster.every((f) => f.status === 'error')).toBe(true);
    expect(r.findings.find((f) => f.checkId === 'db-sg-allows-nodes')?.status).toBe('fail');
    expect(r.findings.find((f) => f.checkId === 'db-connectivity')?.status).toBe('pass');
  });
});
