import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { quote } from '../../audit/untrusted.js';
import type { ClusterSnapshot } from './collector.js';
import { ageMinutes, podName, podsIn, sample } from './pods.js';
import { remediationFor, type PendingContext } from './pending-remediation.js';
import { parseSchedulingMessage, type SchedulingCause } from './scheduling.js';

/** Compliant when no workspace pod has been unschedulable for longer than `thresholds.pendingPodMinutes`. */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'pods-pending',
    group: 'cluster',
    severity: 'high',
    title: 'Workspace pods are not stuck in Pending',
    description:
      'Finds workspace pods that the scheduler could not place for longer than the threshold and groups them ' +
      'by the cause in the scheduler message (capacity, untolerated taint, node selector, PVC, pod limit).',
    risk: 'Users wait for workspaces that never start; builds time out.',
    guideSection: GuideSection.PodsPending,
  },
  (snap, { deployment, now }) => {
    const ns = deployment.namespaces.workspaces;
    const threshold = deployment.thresholds.pendingPodMinutes;
    const unscheduled = podsIn(snap.pods, ns).filter(
      (p) =>
        p.status?.phase === 'Pending' &&
        p.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'),
    );
    const stuck = unscheduled.filter((p) => ageMinutes(p, now) >= threshold);
    if (stuck.length === 0) {
      const young = unscheduled.length ? ` (${unscheduled.length} younger than ${threshold} min)` : '';
      return [
        {
          status: 'pass',
          resource: `k8s:${ns}/pods`,
          detail: `No pod in ${ns} has been unschedulable for ${threshold} minutes or more${young}.`,
        },
      ];
    }
    const events = need(snap.schedulingEvents);
    const byCause = new Map<string, { cause: SchedulingCause; pods: V1Pod[] }>();
    for (const pod of stuck) {
      const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
      const event = events
        .filter((e) => e.involvedObject.name === podName(pod))
        .sort((a, b) => +(b.lastTimestamp ?? 0) - +(a.lastTimestamp ?? 0))[0]?.message;
      for (const cause of parseSchedulingMessage(condition.trim() || event || '')) {
        const entry = byCause.get(cause.id) ?? { cause, pods: [] };
        entry.pods.push(pod);
        byCause.set(cause.id, entry);
      }
    }
    const pctx: PendingContext = { deployment, snap };
    return [...byCause.values()].map(({ cause, pods }): FindingInput => {
      const names = sample(pods.map(podName));
      return {
        status: 'fail',
        resource: `k8s:${ns}/pods-pending/${cause.id}`,
        key: cause.id,
        detail:
          `${pods.length} pod(s) in ${ns} unschedulable for ${threshold}+ min: ${quote(cause.text)}. ` +
          `Pods: ${names.items.join(', ')}${names.more ? ` and ${names.more} more` : ''}.`,
        evidence: { cause: cause.id, schedulerReason: cause.text, pods: names.items, count: pods.length },
        remediation: remediationFor(cause, pods, pctx),
      };
    });
  },
);
