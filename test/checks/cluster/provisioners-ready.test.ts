import { describe, expect, it } from 'vitest';
import check from '../../../lambdas/checks/cluster/provisioners-ready.js';
import { failed, only, pod, run, running, snapshot, withPods } from './fixtures.js';

describe('Check: provisioners-ready', () => {
  it('Compliance', () => {
    expect(run(check, snapshot()).map((f) => f.status)).toEqual(['pass', 'pass']);
  });

  it('Noncompliance 1: no provisioner pod', () => {
    const f = only(run(check, withPods('coder-prov', [])));
    expect(f).toMatchObject({ status: 'fail', severity: 'high', resource: 'k8s:coder-prov/pods' });
    expect(f.remediation?.commands).toContain('helm list -n coder-prov');
  });

  it('Noncompliance 2: a pod not Ready', () => {
    const waiting = running('coder', { ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const findings = run(
      check,
      withPods('coder-prov', [
        pod('coder-prov', 'prov-a'),
        pod('coder-prov', 'prov-b', { containers: [waiting] }),
      ]),
    );
    const f = findings.find((x) => x.status === 'fail')!;
    expect(f.resource).toBe('k8s:coder-prov/pod/prov-b');
    expect(f.detail).toBe('Provisioner pod prov-b is Running, not Ready (CrashLoopBackOff).');
    expect(f.remediation?.commands).toEqual([
      'kubectl describe pod prov-b -n coder-prov',
      'kubectl logs -n coder-prov -l app.kubernetes.io/name=coder-provisioner --tail=-1 --prefix',
    ]);
  });

  it('Noncompliance 3: an evicted pod next to running replacements is low, with the cleanup command', () => {
    const evicted = pod('coder-prov', 'prov-old', { phase: 'Failed', reason: 'Evicted', ready: false });
    const running = [pod('coder-prov', 'prov-a'), pod('coder-prov', 'prov-b')];
    const findings = run(check, withPods('coder-prov', [...running, evicted]));
    expect(findings.map((f) => [f.status, f.severity])).toEqual([
      ['pass', 'info'],
      ['pass', 'info'],
      ['fail', 'low'],
    ]);
    expect(findings[2]).toMatchObject({
      resource: 'k8s:coder-prov/pod/prov-old',
      evidence: { reason: 'Evicted' },
    });
    expect(findings[2]!.remediation?.commands).toContain('kubectl delete pod prov-old -n coder-prov');
  });

  it('Noncompliance 4: only evicted pods left is high: no provisioner runs', () => {
    const evicted = pod('coder-prov', 'prov-old', { phase: 'Failed', reason: 'Evicted', ready: false });
    const f = only(run(check, withPods('coder-prov', [evicted])));
    expect(f).toMatchObject({ status: 'fail', severity: 'high', resource: 'k8s:coder-prov/pods' });
    expect(f.detail).toContain('1 Failed: prov-old');
  });

  it('Noncompliance 5: the crash-looping replicas of one deployment are one finding, with their reason', () => {
    const looping = running('coder', { ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const replica = (name: string) => {
      const p = pod('coder-prov', name, { containers: [looping] });
      p.metadata = {
        ...p.metadata,
        labels: { 'pod-template-hash': '5d4b7c9f8' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'coder-provisioner-5d4b7c9f8',
            uid: 'u',
            controller: true,
          },
        ],
      };
      return p;
    };
    const found = run(check, withPods('coder-prov', [replica('prov-a'), replica('prov-b')]));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      status: 'fail',
      reason: 'crash-loop',
      resource: 'k8s:coder-prov/deployment/coder-provisioner',
      scope: { workload: 'deployment/coder-provisioner', component: 'provisioner' },
    });
    expect(found[0]!.detail).toBe(
      'Provisioner pod prov-a is Running, not Ready (CrashLoopBackOff); prov-b is Running, not Ready (CrashLoopBackOff).',
    );
  });

  it('Error when the pods could not be read', () => {
    const base = snapshot();
    expect(only(run(check, { ...base, pods: { ...base.pods, 'coder-prov': failed() } })).status).toBe(
      'error',
    );
  });
});
