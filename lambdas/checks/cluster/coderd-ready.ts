import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { CONFIG_REASONS, IMAGE_REASONS, coderdPodFix } from './config-remediation.js';
import { podName, podProblems, podRef, podsIn, selects, statuses } from './pods.js';
import { isUnscheduled } from './scheduling.js';
import { CLUSTER_META } from './meta.js';

/** The reason of an unhealthy coderd pod, most telling first. */
function reasonOf(pod: V1Pod, oomKilled: boolean, since: number): string {
  const waiting = statuses(pod).map((c) => c.state?.waiting?.reason ?? '');
  if (isUnscheduled(pod)) return 'unschedulable';
  if (waiting.some((r) => CONFIG_REASONS.has(r) || IMAGE_REASONS.has(r))) return 'container-blocked';
  if (oomKilled) return 'oom-killed';
  if (waiting.includes('CrashLoopBackOff')) return 'crash-loop';
  const finished = (c: V1ContainerStatus) => new Date(c.lastState?.terminated?.finishedAt ?? 0).getTime();
  if (statuses(pod).some((c) => c.restartCount > 0 && finished(c) >= since)) return 'restarting';
  return 'not-ready';
}

/** Compliant when the coderd deployment has all replicas available and no pod is unready, crash-looping or restarting. */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['coderd-ready'], (snap, { deployment: d, now }) => {
  const ns = d.namespaces.coderd;
  const name = d.coderd.deploymentName;
  const resource = `k8s:${ns}/deployment/${name}`;
  const scope = { namespace: ns, workload: `deployment/${name}`, component: 'coderd' };
  const listPods = `kubectl get pods -n ${shq(ns)} -l app.kubernetes.io/name=coder`;
  const dep = need(snap.deployments).find((x) => x.metadata?.name === name);
  if (!dep) {
    const text = 'Install or restore the coder Helm release.';
    const commands = [`helm list -n ${shq(ns)}`, listPods];
    return [
      {
        status: 'fail',
        reason: 'deployment-missing',
        scope,
        resource,
        detail: `Deployment ${name} not found in ${ns}.`,
        remediation: { text, commands },
      },
    ];
  }
  const desired = dep.spec?.replicas ?? 1;
  const available = dep.status?.availableReplicas ?? 0;
  const results: FindingInput[] = [
    {
      status: available >= desired && desired > 0 ? 'pass' : 'fail',
      reason: available === 0 ? 'no-replica-available' : 'replicas-unavailable',
      scope,
      resource,
      detail: `Deployment ${name}: ${available}/${desired} replicas available.`,
      evidence: { desired, available, ready: dep.status?.readyReplicas ?? 0 },
      remediation: { text: 'Check which coderd pods are not ready and why.', commands: [listPods] },
    },
  ];
  for (const pod of podsIn(snap.pods, ns).filter((p) => selects(dep, p))) {
    const pname = podName(pod);
    const { problems, oomKilled, restarts } = podProblems(pod, now, d.thresholds.restartWindowMinutes);
    results.push({
      status: problems.length ? 'fail' : 'pass',
      reason: reasonOf(pod, oomKilled, now.getTime() - d.thresholds.restartWindowMinutes * 60_000),
      scope,
      resource: podRef(pod),
      detail: problems.length
        ? `coderd pod ${pname}: ${problems.join('; ')}.`
        : `coderd pod ${pname} is Ready and stable.`,
      evidence: { phase: pod.status?.phase, restarts, oomKilled },
      remediation: coderdPodFix(pod, oomKilled, restarts, listPods),
    });
  }
  return results;
});
