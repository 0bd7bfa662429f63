import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { CONFIG_REASONS, IMAGE_REASONS } from './config-remediation.js';
import { isReady, podName, podRef, podsIn, statuses, workloadOf } from './pods.js';
import { isUnscheduled } from './scheduling.js';
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
      remediation: {
        text: 'Read why it failed (an eviction names the node pressure), then delete the leftover pod.',
        commands: [
          `kubectl describe pod ${shq(podName(pod))} -n ${shq(ns)}`,
          `kubectl delete pod ${shq(podName(pod))} -n ${shq(ns)}`,
        ],
      },
    };
  });
  const state = (pod: V1Pod) => {
    const waiting = statuses(pod)
      .map((c) => c.state?.waiting?.reason)
      .filter((r): r is string => !!r);
    const reason = isUnscheduled(pod)
      ? 'unschedulable'
      : waiting.some((r) => CONFIG_REASONS.has(r) || IMAGE_REASONS.has(r))
        ? 'container-blocked'
        : waiting.includes('CrashLoopBackOff')
          ? 'crash-loop'
          : 'not-ready';
    const phase = pod.status?.phase ?? 'Unknown';
    return { pod, phase, waiting, reason, ok: phase === 'Running' && isReady(pod) };
  };
  const states = pods.map(state);
  const passes = states
    .filter((x) => x.ok)
    .map(({ pod, phase, waiting }): FindingInput => {
      const detail = `Provisioner pod ${podName(pod)} is Running and Ready.`;
      return { status: 'pass', resource: podRef(pod), detail, evidence: { phase, ready: true, waiting } };
    });
  // One finding per workload and reason: the replicas of a deployment share it.
  const groups = new Map<string, typeof states>();
  for (const x of states.filter((y) => !y.ok)) {
    const key = `${workloadOf(x.pod)}\u0000${x.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), x]);
  }
  const failures = [...groups.values()].map((group): FindingInput => {
    const { pod, reason } = group[0]!;
    const workload = workloadOf(pod);
    const described = group.map(
      ({ pod: p, phase, waiting }) =>
        `${podName(p)} is ${phase}${isReady(p) ? '' : ', not Ready'}${waiting.length ? ` (${waiting.join(', ')})` : ''}`,
    );
    return {
      status: 'fail',
      reason,
      scope: { namespace: ns, workload, component: 'provisioner' },
      resource: workload.startsWith('pod/') ? podRef(pod) : `k8s:${ns}/${workload}`,
      detail: `Provisioner pod ${described.join('; ')}.`,
      evidence: {
        pods: group.map(({ pod: p, phase, waiting }) => ({
          pod: podName(p),
          phase,
          ready: isReady(p),
          waiting,
        })),
      },
      remediation: {
        text: 'Check the provisioner pod and its logs (an expired provisioner key also keeps it from connecting).',
        commands: [`kubectl describe pod ${shq(podName(pod))} -n ${shq(ns)}`, logs],
      },
    };
  });
  return [...passes, ...failures, ...lingering];
});
