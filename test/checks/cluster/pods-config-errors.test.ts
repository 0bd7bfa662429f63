import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/cluster/pods-config-errors.js';
import { coderPod, failed, failing, run, running, snapshot, withPods, wsPod } from './fixtures.js';

describe('Check: pods-config-errors', () => {
  it('Compliance', () => {
    expect(run(check, snapshot()).map((f) => [f.status, f.resource])).toEqual([
      ['pass', 'k8s:coder/pods'],
      ['pass', 'k8s:coder-prov/pods'],
      ['pass', 'k8s:coder-ws/pods'],
    ]);
  });

  it('Noncompliance 1: missing secret names the secret in the command', () => {
    const c = running('coder', {
      ready: false,
      state: {
        waiting: { reason: 'CreateContainerConfigError', message: 'secret "coder-db-credentials" not found' },
      },
    });
    const [f] = failing(
      run(check, withPods('coder', [coderPod('coder-a', { containers: [c], phase: 'Pending' })])),
    );
    expect(f).toMatchObject({
      severity: 'high',
      resource: 'k8s:coder/pod/coder-a',
      guideSection: 'Database Connection Errors',
    });
    expect(f!.remediation?.commands[0]).toBe('kubectl get secret -n coder coder-db-credentials');
  });

  it('Noncompliance 2: image pull back-off points at the VPC endpoints of the cluster VPC', () => {
    const c = running('dev', {
      image: '1234.dkr.ecr.us-east-1.amazonaws.com/ws:1',
      ready: false,
      state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
    });
    const [f] = failing(
      run(check, withPods('coder-ws', [wsPod('ws-a', { containers: [c], phase: 'Pending' })])),
    );
    expect(f!.remediation?.commands).toContain(
      'aws ec2 describe-vpc-endpoints --filters "Name=vpc-id,Values=vpc-0c0de0000000000a1"',
    );
    expect(f!.guideSection).toBe('Network Debugging');
    expect(f!.evidence).toMatchObject({
      reason: 'ImagePullBackOff',
      image: '1234.dkr.ecr.us-east-1.amazonaws.com/ws:1',
    });
  });

  it('Noncompliance 3: a missing key of an existing secret', () => {
    const c = running('coder', {
      ready: false,
      state: {
        waiting: {
          reason: 'CreateContainerConfigError',
          message: "couldn't find key url in Secret coder/coder-db-url",
        },
      },
    });
    const [f] = failing(run(check, withPods('coder', [coderPod('coder-a', { containers: [c] })])));
    expect(f!.remediation?.commands[0]).toBe('kubectl get secret -n coder coder-db-url');
  });

  it('Error for the namespace whose pods could not be read, others still evaluated', () => {
    const base = snapshot();
    const findings = run(check, { ...base, pods: { ...base.pods, 'coder-prov': failed() } });
    expect(findings.map((f) => f.status)).toEqual(['pass', 'error', 'pass']);
  });
});
