import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { ClusterSnapshot } from './collector.js';
import { nodeTaintCommands } from './pending-remediation.js';
import { podName, podsIn, sample } from './pods.js';
import { fromEks, podPlacement, taintText, tolerates, tolerationYaml } from './scheduling.js';
import { CLUSTER_META } from './meta.js';

/**
 * Compliant when every workspace pod meant for a workspace node group (its nodeSelector/affinity targets it,
 * or it is unscheduled and targets none) tolerates the group's taints or fully tolerates another group it
 * may use. Running pods on other groups are not judged: a system or GPU group's taint is fine.
 */
export default defineCheck<ClusterSnapshot>(
  CLUSTER_META['nodegroup-taints-tolerated'],
  (snap, { deployment }) => {
    const ns = deployment.namespaces.workspaces;
    // The workspace node groups only: a system or GPU group's taint is meant to keep workspaces away.
    const workspaceGroups = deployment.eks.workspaceNodegroups ?? deployment.eks.nodegroups;
    const nodegroups = Object.fromEntries(
      Object.entries(need(snap.nodegroups)).filter(([name]) => workspaceGroups.includes(name)),
    );
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
          reason: 'untolerated-taint',
          scope: { namespace: ns, nodegroup: name },
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
