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

  it('Error when the pods could not be read', () => {
    const base = snapshot();
    expect(only(run(check, { ...base, pods: { ...base.pods, 'coder-prov': failed() } })).status).toBe(
      'error',
    );
  });
});
