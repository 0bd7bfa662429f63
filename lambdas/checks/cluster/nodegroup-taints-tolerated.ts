import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import type { ClusterSnapshot } from './collector.js';
import { nodeTaintCommands } from './pending-remediation.js';
import { podName, podsIn, sample } from './pods.js';
import { fromEks, taintText, tolerates, tolerationYaml } from './scheduling.js';

/** Compliant when every workspace pod tolerates every scheduling taint of every workspace node group. */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'nodegroup-taints-tolerated',
    group: 'cluster',
    severity: 'high',
    title: 'Workspace pods tolerate the workspace node group taints',
    description:
      'Compares the taints of each workspace node group (EKS DescribeNodegroup) with the tolerations of the ' +
      'pods in the workspaces namespace.',
    risk: 'Pods without the toleration can never schedule on the workspace nodes and stay Pending.',
    guideSection: GuideSection.PodsPending,
  },
  (snap, { deployment }) => {
    const ns = deployment.namespaces.workspaces;
    const pods = podsIn(snap.pods, ns).filter(
      (p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    const commands = nodeTaintCommands({ deployment, snap });
    return Object.entries(need(snap.nodegroups)).flatMap(([name, ng]): FindingInput[] => {
      const base = `${deployment.eks.clusterName}/${name}`;
      if (!ng) return [{ status: 'error', resource: base, detail: `Node group ${name} does not exist.` }];
      const taints = (ng.taints ?? []).map(fromEks);
      if (taints.length === 0) {
        return [{ status: 'pass', resource: base, detail: `Node group ${name} has no taints.` }];
      }
      return taints.map((taint): FindingInput => {
        const resource = `${ng.nodegroupArn ?? base}#taint/${taint.key}`;
        const evidence = { nodegroup: name, taint: taintText(taint), pods: pods.length };
        if (taint.effect === 'PreferNoSchedule' || pods.length === 0) {
          const why =
            pods.length === 0 ? `no pods in ${ns} to compare` : 'a soft taint does not block scheduling';
          return {
            status: 'pass',
            resource,
            key: taint.key,
            evidence,
            detail: `Taint ${taintText(taint)} of ${name}: ${why}.`,
          };
        }
        const missing = pods.filter((p) => !tolerates(p.spec?.tolerations, taint)).map(podName);
        if (missing.length === 0) {
          return {
            status: 'pass',
            resource,
            key: taint.key,
            evidence,
            detail: `All ${pods.length} pods in ${ns} tolerate ${taintText(taint)} of node group ${name}.`,
          };
        }
        const s = sample(missing);
        return {
          status: 'fail',
          resource,
          key: taint.key,
          detail:
            `${missing.length} of ${pods.length} pods in ${ns} do not tolerate ${taintText(taint)} of node group ` +
            `${name}: ${s.items.join(', ')}${s.more ? ` and ${s.more} more` : ''}.`,
          evidence: { ...evidence, untolerated: s.items, untoleratedCount: missing.length },
          remediation: {
            text: `Add this toleration to the workspace template's pod spec:\n${tolerationYaml(taint)}`,
            commands,
          },
        };
      });
    });
  },
);
