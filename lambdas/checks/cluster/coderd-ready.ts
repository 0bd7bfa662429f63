import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { coderdPodFix } from './config-remediation.js';
import { podName, podProblems, podReason, podRef, podsIn, selects } from './pods.js';
import { CLUSTER_META } from './meta.js';

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
      reason: podReason(pod, now.getTime() - d.thresholds.restartWindowMinutes * 60_000, oomKilled),
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
