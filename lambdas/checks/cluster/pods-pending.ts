import { defineCheck, type FindingInput } from '../../audit/check.js';
import { quote } from '../../audit/untrusted.js';
import type { ClusterSnapshot } from './collector.js';
import { CLUSTER_META } from './meta.js';
import { ageMinutes, podName, sample, workloadOf } from './pods.js';
import { remediationFor, type PendingContext } from './pending-remediation.js';
import { CAUSE_REASONS, groupByCause, isUnscheduled, podPlacement } from './scheduling.js';

/**
 * Compliant when no pod of the workspaces, coderd or provisioner namespace has been unschedulable for longer
 * than `thresholds.pendingPodMinutes`. One finding per namespace and scheduling cause, scoped to the node
 * groups the pods may go to (what nodegroup-capacity and nodegroup-health are about).
 */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['pods-pending'], (snap, { deployment, now }) => {
  const threshold = deployment.thresholds.pendingPodMinutes;
  const { workspaces, coderd, provisioner } = deployment.namespaces;
  const namespaces = [...new Set([workspaces, coderd, provisioner])];
  const nodegroups = snap.nodegroups.ok ? snap.nodegroups.value : {};
  let young = 0;
  const results = namespaces.flatMap((ns): FindingInput[] => {
    const fact = snap.pods[ns];
    if (!fact?.ok) {
      const error = fact && !fact.ok ? fact.error : 'not collected';
      return [
        { status: 'error', resource: `k8s:${ns}/pods`, detail: `Could not read pods of ${ns}: ${error}` },
      ];
    }
    const unscheduled = fact.value.filter(isUnscheduled);
    const stuck = unscheduled.filter((p) => ageMinutes(p, now) >= threshold);
    young += unscheduled.length - stuck.length;
    if (stuck.length === 0) return [];
    const byCause = groupByCause(stuck, snap.schedulingEvents);
    return byCause.map(({ cause, pods }): FindingInput => {
      const names = sample(pods.map(podName));
      const targets = [...new Set(pods.flatMap((p) => podPlacement(p, nodegroups).nodegroups))].sort();
      const pctx: PendingContext = { deployment, snap, targets };
      return {
        status: 'fail',
        reason: CAUSE_REASONS[cause.kind],
        scope: {
          namespace: ns,
          workload: [...new Set(pods.map(workloadOf))].sort(),
          ...(targets.length ? { nodegroup: targets } : {}),
        },
        resource: `k8s:${ns}/pods-pending/${cause.id}`,
        key: cause.id,
        detail:
          `${pods.length} pod(s) in ${ns} unschedulable for ${threshold}+ min: ${quote(cause.text)}. ` +
          `Pods: ${names.items.join(', ')}${names.more ? ` and ${names.more} more` : ''}.`,
        evidence: { cause: cause.id, schedulerReason: cause.text, pods: names.items, count: pods.length },
        remediation: remediationFor(cause, pods, pctx),
      };
    });
  });
  if (results.length > 0) return results;
  const note = young ? ` (${young} younger than ${threshold} min)` : '';
  return [
    {
      status: 'pass',
      resource: `k8s:${workspaces}/pods`,
      detail: `No pod in ${namespaces.join(', ')} has been unschedulable for ${threshold} minutes or more${note}.`,
    },
  ];
});
