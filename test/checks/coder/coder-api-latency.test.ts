import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../lambdas/audit/calls.js';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/coder-api-latency.js';
import { apiLatency } from '../../../lambdas/checks/coder/collector.js';
import { coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

const run = (samples: number[], failedCalls = 0) =>
  evaluateCheck(
    check,
    coderSnapshot({ apiLatency: known({ samples, failed: failedCalls }) }),
    coderDeployment(),
    NOW,
  )[0]!;

describe('Check: coder-api-latency', () => {
  it('Compliance', () => {
    expect(run([40, 42, 45, 50, 900, 38, 61, 44, 39, 1000])).toMatchObject({
      status: 'pass',
      evidence: { calls: 10, p50Ms: 44, p95Ms: 1000, maxMs: 1000, thresholdMs: 1000 },
    });
    // Too few calls to judge a percentile.
    expect(run([5000, 5000], 3)).toMatchObject({ status: 'pass', evidence: { calls: 2, failed: 3 } });
  });

  it('Noncompliance 1: a slow tail (p95 above the threshold) is medium', () => {
    const f = run([40, 42, 45, 50, 38, 61, 44, 39, 47, 52, 41, 43, 48, 40, 49, 44, 46, 1800, 1900, 39]);
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'slow-tail',
      severity: 'medium',
      evidence: { p95Ms: 1800 },
    });
    expect(f.remediation!.commands[0]).toBe('kubectl top pods -n coder -l app.kubernetes.io/name=coder');
  });

  it('Noncompliance 2: most calls slow (p50 above the threshold) is high', () => {
    expect(run([1200, 1300, 1250, 1400, 900, 1100])).toMatchObject({ reason: 'slow', severity: 'high' });
  });

  it('Error when the latency was not measured', () => {
    const snap = coderSnapshot({ apiLatency: failed('api latency') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]!.status).toBe('error');
  });
});

describe('Function: apiLatency', () => {
  const rec = (operation: string, ms: number, ok = true, service = 'coder'): CallRecord => ({
    service,
    operation,
    resource: '',
    ms,
    ok,
    depth: 1,
  });
  it("takes the auditor's answered /api/v2 calls only; counts the failed ones", () => {
    expect(
      apiLatency([
        rec('GET /api/v2/workspaces', 120.4),
        rec('GET /healthz', 9),
        rec('GET /.well-known/openid-configuration', 30, true, 'oidc'),
        rec('GET /api/v2/buildinfo', 2000, false),
        rec('DescribeCluster', 50, true, 'eks'),
      ]),
    ).toEqual({ samples: [120], failed: 1 });
  });
});
