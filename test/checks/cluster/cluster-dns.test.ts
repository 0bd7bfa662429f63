import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/cluster/cluster-dns.js';
import { deploymentConfig, dnsDeployment, NOW, snapshot } from './fixtures.js';

const run = (dns: ReturnType<typeof snapshot>['dnsDeployment'], d = deploymentConfig()) =>
  evaluateCheck(check, snapshot({ dnsDeployment: dns }), d, NOW)[0]!;

describe('Check: cluster-dns', () => {
  it('Compliance', () => {
    expect(run(known(dnsDeployment(2)))).toMatchObject({
      status: 'pass',
      resource: 'k8s:kube-system/deployment/coredns',
      evidence: { desired: 2, available: 2 },
    });
  });

  it('Noncompliance 1: no replica available (critical), fewer than desired (medium)', () => {
    expect(run(known(dnsDeployment(2, 0)))).toMatchObject({
      status: 'fail',
      reason: 'unavailable',
      severity: 'critical',
      scope: { namespace: 'kube-system', workload: 'deployment/coredns' },
    });
    expect(run(known(dnsDeployment(3, 1)))).toMatchObject({ reason: 'degraded', severity: 'medium' });
  });

  it('Noncompliance 2: the deployment does not exist', () => {
    const f = run(known(null));
    expect(f).toMatchObject({ reason: 'missing' });
    expect(f.remediation!.commands).toContain(
      'aws eks describe-addon --cluster-name coder-prod --addon-name coredns',
    );
  });

  it('reads the configured DNS deployment', () => {
    const d = deploymentConfig({ eks: { dnsDeployment: { namespace: 'dns', name: 'kube-dns' } } });
    expect(run(known(dnsDeployment(1)), d).resource).toBe('k8s:dns/deployment/kube-dns');
  });

  it('Error when the access entry may not get it, naming what to grant, or when it could not be read', () => {
    const forbidden = run({
      ok: false,
      name: 'kubernetes deployment kube-system/coredns',
      error:
        'KubernetesApiError: readNamespacedDeployment kube-system/deployments/coredns: HTTP 403 Forbidden',
    });
    expect(forbidden.status).toBe('error');
    expect(forbidden.detail).toContain('Role granting get on that deployment');
    expect(run({ ok: false, name: 'x', error: 'timeout' }).status).toBe('error');
  });
});
