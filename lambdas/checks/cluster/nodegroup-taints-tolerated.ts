import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import type { ClusterSnapshot } from './collector.js';
import { nodeTaintCommands } from './pending-remediation.js';
import { podName, podsIn, sample } from './pods.js';
import { fromEks, podPlacement, taintText, tolerates, tolerationYaml } from './scheduling.js';

/**
 * Compliant when every workspace pod meant for a workspace node group (its nodeSelector/affinity targets it,
 * or it is unscheduled and targets none) tolerates the group's taints or fully tolerates another group it
 * may use. Running pods on other groups are not judged: a system or GPU group's taint is fine.
 */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'nodegroup-taints-tolerated',
    group: 'cluster',
    severity: 'high',
    title: 'Workspace pods tolerate the taints of the node groups they target',
    description:
      'Compares the taints of each workspace node group (EKS DescribeNodegroup) with the tolerations of the ' +
      'workspace pods that target it (nodeSelector/affinity on its labels) or wait unscheduled.',
    risk: 'Pods without the toleration can never schedule on the workspace nodes and stay Pending.',
    guideSection: GuideSection.PodsPending,
  },
  (snap, { deployment }) => {
    const ns = deployment.namespaces.workspaces;
    const nodegroups = need(snap.nodegroups);
    const live = podsIn(snap.pods, ns).filter(
      (p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
    );
    const placed = live.map((pod) => ({ pod, ...podPlacement(pod, nodegroups) }));
    const commands = nodeTaintCommands({ deployment, snap });
    return Object.entries(nodegroups).flatMap(([name, ng]): FindingInput[] => {
      const base = `${deployment.eks.clusterName}/${name}`;
      if (!ng) return [{ status: 'error', resource: base, detail: `Node group ${name} does not exist.` }];
      const taints = (ng.taints ?? []).map(fromEks);
      if (taints.length === 0) {
        return [{ status: 'pass', resource: base, detail: `Node group ${name} has no taints.` }];
      }
      const meant = placed.filter((p) => p.nodegroups.includes(name));
      return taints.map((taint): FindingInput => {
        const resource = `${ng.nodegroupArn ?? base}#taint/${taint.key}`;
        const evidence = { nodegroup: name, taint: taintText(taint), pods: meant.length };
        const soft = taint.effect === 'PreferNoSchedule';
        const missing = meant.filter((p) => !soft && !p.fits && !tolerates(p.pod.spec?.tolerations, taint));
        if (missing.length === 0) {
          const why = soft
            ? 'a soft taint does not block scheduling'
            : meant.length === 0
              ? `no pod in ${ns} targets this node group or waits to be scheduled`
              : `all ${meant.length} pod(s) in ${ns} meant for this node group tolerate it`;
          const detail = `Taint ${taintText(taint)} of ${name}: ${why}.`;
          return { status: 'pass', resource, key: taint.key, evidence, detail };
        }
        const m = sample(missing.map((p) => podName(p.pod)));
        return {
          status: 'fail',
          resource,
          key: taint.key,
          detail:
            `${missing.length} of ${meant.length} pods in ${ns} meant for node group ${name} do not tolerate ` +
            `${taintText(taint)}: ${m.items.join(', ')}${m.more ? ` and ${m.more} more` : ''}.`,
          evidence: { ...evidence, untolerated: m.items, untoleratedCount: missing.length },
          remediation: {
            text: `Add this toleration to the workspace template's pod spec:\n${tolerationYaml(taint)}`,
            commands,
          },
        };
      });
    });
  },
);
