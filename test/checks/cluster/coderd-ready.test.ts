import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/coderd-ready.js';
import {
  ago,
  coderDeployment,
  coderPod,
  failed,
  failing,
  run,
  running,
  snapshot,
  withPods,
} from './fixtures.js';

describe('Check: coderd-ready', () => {
  it('Compliance', () => {
    const findings = run(check, snapshot());
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass', 'pass']);
    expect(findings[0]).toMatchObject({
      resource: 'k8s:coder/deployment/coder',
      detail: 'Deployment coder: 2/2 replicas available.',
    });
  });

  it('Noncompliance 1: CrashLoopBackOff with recent restarts', () => {
    const crashing = running('coder', {
      ready: false,
      restartCount: 7,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(3) } },
    });
    const snap = {
      ...withPods('coder', [coderPod('coder-a', { containers: [crashing] }), coderPod('coder-b')]),
      deployments: known([coderDeployment({ available: 1 })]),
    };
    const fails = failing(run(check, snap));
    expect(fails.map((f) => f.resource)).toEqual(['k8s:coder/deployment/coder', 'k8s:coder/pod/coder-a']);
    expect(fails[0]!.severity).toBe('critical');
    expect(fails[1]!.detail).toContain('CrashLoopBackOff (7 restarts)');
    expect(fails[1]!.detail).toContain('restarted within 60 min (last exit: Error, code 1)');
    expect(fails[1]!.remediation?.commands).toEqual([
      'kubectl get pods -n coder -l app.kubernetes.io/name=coder',
      'kubectl describe pod coder-a -n coder | grep -A 10 "Readiness:"',
      'kubectl logs -n coder coder-a --previous',
    ]);
  });

  it('Noncompliance 2: OOMKilled suggests raising the memory limit; old restarts do not count', () => {
    const oom = running('coder', {
      restartCount: 1,
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: ago(10) } },
    });
    const old = running('coder', {
      restartCount: 3,
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(600) } },
    });
    const findings = run(
      check,
      withPods('coder', [
        coderPod('coder-a', { containers: [oom] }),
        coderPod('coder-b', { containers: [old] }),
      ]),
    );
    const [f] = failing(findings);
    expect(failing(findings)).toHaveLength(1);
    expect(f!.evidence).toMatchObject({ oomKilled: true });
    expect(f!.remediation?.text).toContain('raise its memory limit');
  });

  it('Noncompliance 3: deployment missing; pods of other apps are ignored', () => {
    const other = { ...coderPod('postgres-0', { labels: { app: 'postgres' }, ready: false }) };
    expect(run(check, withPods('coder', [other])).map((f) => f.status)).toEqual(['pass']);
    const f = run(check, { ...snapshot(), deployments: known([]) });
    expect(f).toMatchObject([{ status: 'fail', detail: 'Deployment coder not found in coder.' }]);
  });

  it('Noncompliance 4: a pod that never started gets describe/events, not readiness advice or --previous', () => {
    const config = running('coder', {
      ready: false,
      state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "coder-db" not found' } },
    });
    const creating = running('coder', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } });
    const snap = {
      ...withPods('coder', [
        coderPod('coder-a', { containers: [config], phase: 'Pending' }),
        coderPod('coder-b', { containers: [creating], phase: 'Pending' }),
      ]),
      deployments: known([coderDeployment({ available: 0 })]),
    };
    const [, a, b] = failing(run(check, snap));
    expect(a!.remediation?.commands).toEqual([
      'kubectl describe pod coder-a -n coder',
      'kubectl get events -n coder --field-selector involvedObject.name=coder-a',
    ]);
    expect(a!.remediation?.text).toContain(
      'never started (container is waiting: CreateContainerConfigError)',
    );
    expect(a!.remediation?.text).toContain('pods-config-errors');
    expect(b!.remediation?.text).not.toContain('pods-config-errors');
    for (const f of [a!, b!]) {
      expect(f.remediation?.text).not.toContain('readiness probe');
      expect(f.remediation?.commands.join('\n')).not.toContain('--previous');
    }
  });

  it('Noncompliance 5: an unready pod that never restarted reads the current log, not --previous', () => {
    const unready = running('coder', { ready: false });
    const [f] = failing(
      run(check, withPods('coder', [coderPod('coder-a', { containers: [unready] }), coderPod('coder-b')])),
    );
    expect(f!.remediation?.commands.at(-1)).toBe('kubectl logs -n coder coder-a');
  });

  it('names the reason of each result, scoped to the coderd workload', () => {
    const waiting = (reason: string) => running('coder', { ready: false, state: { waiting: { reason } } });
    const restarted = running('coder', {
      restartCount: 1,
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5) } },
    });
    const pods = [
      coderPod('pending', { unschedulable: '0/8 nodes are available: 2 Insufficient cpu.' }),
      coderPod('blocked', { containers: [waiting('CreateContainerConfigError')] }),
      coderPod('looping', { containers: [waiting('CrashLoopBackOff')] }),
      coderPod('restarted', { containers: [restarted] }),
      coderPod('unready', { ready: false }),
    ];
    const snap = { ...withPods('coder', pods), deployments: known([coderDeployment({ available: 0 })]) };
    expect(failing(run(check, snap)).map((f) => [f.resource, f.reason])).toEqual([
      ['k8s:coder/deployment/coder', 'no-replica-available'],
      ['k8s:coder/pod/pending', 'unschedulable'],
      ['k8s:coder/pod/blocked', 'container-blocked'],
      ['k8s:coder/pod/looping', 'crash-loop'],
      ['k8s:coder/pod/restarted', 'restarting'],
      ['k8s:coder/pod/unready', 'not-ready'],
    ]);
    const partial = { ...snapshot(), deployments: known([coderDeployment({ available: 1 })]) };
    expect(failing(run(check, partial))[0]).toMatchObject({
      reason: 'replicas-unavailable',
      scope: { namespace: 'coder', workload: 'deployment/coder', component: 'coderd' },
    });
  });

  it('Error when deployments or pods could not be read', () => {
    expect(run(check, { ...snapshot(), deployments: failed() })[0]!.status).toBe('error');
    const base = snapshot();
    expect(run(check, { ...base, pods: { ...base.pods, coder: failed() } })[0]!.status).toBe('error');
  });
});
