import type { V1Pod } from '../../../lambdas/clients/kube-types.js';
import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/cluster/coderd-resources.js';
import { coderPod, deploymentConfig, failed, NOW, podMetrics, snapshot, withPods } from './fixtures.js';

/** A coderd pod whose `coder` container is limited to 2 CPUs and 4 GiB. */
const limited = (name: string): V1Pod => {
  const p = coderPod(name);
  return {
    ...p,
    spec: { ...p.spec!, containers: [{ name: 'coder', resources: { limits: { cpu: '2', memory: '4Gi' } } }] },
  };
};
const run = (metrics: ReturnType<typeof podMetrics>[], pods = [limited('coder-a'), limited('coder-b')]) =>
  evaluateCheck(
    check,
    { ...withPods('coder', pods), coderdMetrics: known(metrics) },
    deploymentConfig(),
    NOW,
  );

describe('Check: coderd-resources', () => {
  it('Compliance', () => {
    expect(
      run([podMetrics('coder-a', '412345678n', '1318912Ki'), podMetrics('coder-b', '1700m', '3500Mi')]),
    ).toEqual([
      expect.objectContaining({
        status: 'pass',
        detail: '2 coderd pods use less than 90% of their CPU and memory limits.',
      }),
    ]);
    // Without a limit there is nothing to be near; without a sample nothing to compare.
    expect(run([podMetrics('coder-a', '4', '16Gi')], [coderPod('coder-a')])[0]!.status).toBe('pass');
    expect(run([])[0]).toMatchObject({ status: 'pass', evidence: { pods: 2, sampled: 0 } });
  });

  it('Noncompliance 1: memory at 90% of the limit is high', () => {
    const [f] = run([podMetrics('coder-a', '300m', '3800Mi'), podMetrics('coder-b', '300m', '1Gi')]);
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'memory-near-limit',
      severity: 'high',
      scope: { namespace: 'coder', workload: 'deployment/coder', component: 'coderd' },
      detail: 'coder-a/coder 3800Mi of 4096Mi memory.',
    });
  });

  it('Noncompliance 2: CPU at the limit is throttling (medium), reported apart from memory', () => {
    const findings = run([
      podMetrics('coder-a', '1950000000n', '3900Mi'),
      podMetrics('coder-b', '1.9', '1Gi'),
    ]);
    expect(findings.map((f) => [f.reason, f.severity])).toEqual([
      ['memory-near-limit', 'high'],
      ['cpu-throttled', 'medium'],
    ]);
    expect(findings[1]!.detail).toBe('coder-a/coder 1950m of 2000m CPU; coder-b/coder 1900m of 2000m CPU.');
  });

  it('Error when the metrics or the deployment could not be read', () => {
    const snap = { ...snapshot(), coderdMetrics: failed<never>('kubernetes pod metrics coder') };
    expect(evaluateCheck(check, snap, deploymentConfig(), NOW)[0]!.status).toBe('error');
  });
});
