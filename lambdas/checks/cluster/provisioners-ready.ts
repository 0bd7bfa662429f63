import { defineCheck, type FindingInput } from '../../audit/check.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { lingeringPodFix } from './config-remediation.js';
import { groupBy, podName, podRef, podState, podsIn, workloadOf, workloadRef } from './pods.js';
import { CLUSTER_META } from './meta.js';

/** Compliant when the provisioner namespace runs at least one provisioner pod and every one is Running and Ready. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['provisioners-ready'], (snap, { deployment }) => {
  const ns = deployment.namespaces.provisioner;
  const logs = `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder-provisioner --tail=-1 --prefix`;
  const all = podsIn(snap.pods, ns);
  // Failed (e.g. evicted) and Succeeded pods linger until deleted: they are not provisioners that run.
  const pods = all.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
  const gone = all.filter((p) => p.status?.phase === 'Failed');
  if (pods.length === 0) {
    const failedNote = gone.length ? ` (${gone.length} Failed: ${gone.map(podName).join(', ')})` : '';
    return [
      {
        status: 'fail',
        reason: 'no-pods',
        scope: { namespace: ns, component: 'provisioner' },
        resource: `k8s:${ns}/pods`,
        detail: `No provisioner pod runs in namespace ${ns}${failedNote}.`,
        remediation: {
          text: 'Deploy (or scale up) the coder-provisioner Helm release.',
          commands: [`kubectl get deploy,pods -n ${shq(ns)}`, `helm list -n ${shq(ns)}`],
        },
      },
    ];
  }
  const lingering = gone.map((pod): FindingInput => {
    const reason = pod.status?.reason ?? 'Failed';
    return {
      status: 'fail',
      reason: 'failed-pod',
      scope: { namespace: ns, workload: workloadOf(pod), component: 'provisioner' },
      resource: podRef(pod),
      detail: `Provisioner pod ${podName(pod)} is Failed (${reason}) and lingers; running replacements exist.`,
      evidence: { phase: 'Failed', reason, message: (pod.status?.message ?? '').slice(0, 200) },
      remediation: lingeringPodFix(pod),
    };
  });
  const states = pods.map((pod) => ({ pod, ...podState(pod) }));
  const passes = states
    .filter((x) => x.ok)
    .map(({ pod, name, phase, waiting }): FindingInput => {
      const detail = `Provisioner pod ${name} is Running and Ready.`;
      return { status: 'pass', resource: podRef(pod), detail, evidence: { phase, ready: true, waiting } };
    });
  // One finding per workload and reason: the replicas of a deployment share it.
  const groups = groupBy(
    states.filter((y) => !y.ok),
    (x) => `${workloadOf(x.pod)}\u0000${x.reason}`,
  );
  const failures = groups.map((group): FindingInput => {
    const { pod, name, reason } = group[0]!;
    return {
      status: 'fail',
      reason,
      scope: { namespace: ns, workload: workloadOf(pod), component: 'provisioner' },
      resource: workloadRef(pod),
      detail: `Provisioner pod ${group.map((x) => x.text).join('; ')}.`,
      evidence: {
        pods: group.map((x) => ({ pod: x.name, phase: x.phase, ready: x.ready, waiting: x.waiting })),
      },
      remediation: {
        text: 'Check the provisioner pod and its logs (an expired provisioner key also keeps it from connecting).',
        commands: [`kubectl describe pod ${shq(name)} -n ${shq(ns)}`, logs],
      },
    };
  });
  return [...passes, ...failures, ...lingering];
});
