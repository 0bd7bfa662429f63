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

  it('Noncompliance 4: the replicas of one deployment share one finding, scoped to the workload', () => {
    const c = running('coder', {
      ready: false,
      state: {
        waiting: { reason: 'CreateContainerConfigError', message: 'secret "coder-db-credentials" not found' },
      },
    });
    const ofDeployment = (name: string) => {
      const p = coderPod(name, { containers: [c], phase: 'Pending' });
      p.metadata = {
        ...p.metadata,
        labels: { ...p.metadata?.labels, 'pod-template-hash': '6f7d9c8b5' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'coder-6f7d9c8b5', uid: 'u', controller: true },
        ],
      };
      return p;
    };
    const [f, ...rest] = failing(
      run(check, withPods('coder', [ofDeployment('coder-a'), ofDeployment('coder-b')])),
    );
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      reason: 'missing-secret',
      resource: 'k8s:coder/deployment/coder',
      scope: { namespace: 'coder', workload: 'deployment/coder' },
      evidence: { pods: ['coder-a', 'coder-b'] },
    });
    expect(f!.detail).toContain('Container coder of 2 pod(s) of deployment/coder (coder-a, coder-b)');
  });

  it('names the reason from the kubelet message and the registry of an image', () => {
    const waiting = (reason: string, message: string, image = 'ghcr.io/coder/coder:v2') =>
      running('dev', { image, ready: false, state: { waiting: { reason, message } } });
    const pods = [
      wsPod('key', {
        containers: [waiting('CreateContainerConfigError', "couldn't find key url in Secret coder-ws/db")],
      }),
      wsPod('cm', { containers: [waiting('CreateContainerConfigError', 'configmap "ws-config" not found')] }),
      wsPod('other', { containers: [waiting('CreateContainerError', 'failed to reserve container name')] }),
      wsPod('ecr', {
        containers: [waiting('ErrImagePull', 'pull', '123456789012.dkr.ecr.us-east-1.amazonaws.com/ws:1')],
      }),
      wsPod('other-region', {
        containers: [
          waiting('ImagePullBackOff', 'pull', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ws:1'),
        ],
      }),
      wsPod('hub', { containers: [waiting('ImagePullBackOff', 'pull', 'codercom/enterprise-base:ubuntu')] }),
      wsPod('bad', { containers: [waiting('InvalidImageName', 'invalid', 'UPPER/case')] }),
    ];
    const found = failing(run(check, withPods('coder-ws', pods)));
    expect(found.map((f) => [f.resource, f.reason, f.scope?.registry])).toEqual([
      ['k8s:coder-ws/pod/key', 'missing-secret-key', undefined],
      ['k8s:coder-ws/pod/cm', 'missing-config-map', undefined],
      ['k8s:coder-ws/pod/other', 'config-error', undefined],
      ['k8s:coder-ws/pod/ecr', 'image-pull', 'ecr'],
      ['k8s:coder-ws/pod/other-region', 'image-pull', '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
      ['k8s:coder-ws/pod/hub', 'image-pull', 'docker.io'],
      ['k8s:coder-ws/pod/bad', 'invalid-image', 'docker.io'],
    ]);
  });

  it('Error for the namespace whose pods could not be read, others still evaluated', () => {
    const base = snapshot();
    const findings = run(check, { ...base, pods: { ...base.pods, 'coder-prov': failed() } });
    expect(findings.map((f) => f.status)).toEqual(['pass', 'error', 'pass']);
  });
});
