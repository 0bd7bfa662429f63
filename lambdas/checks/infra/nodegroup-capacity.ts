import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { describeNodegroupCommand, scaleUp, scalingCommand } from '../nodegroup-sizing.js';
import type { InfraSnapshot } from './collector.js';

/** Compliant when a node group has room to scale (desired < max), sane bounds, and a workspace group keeps a node. */
export default defineCheck<InfraSnapshot>(
  {
    id: 'nodegroup-capacity',
    group: 'infra',
    severity: 'high',
    title: 'Node group can scale up',
    description:
      'Reports a node group whose desired size has reached its maximum or whose sizes are inconsistent ' +
      '(min <= desired <= max), and, at low severity, a workspace node group with minimum size 0 ' +
      '(after a scale-down to zero, every workspace start waits for a node to boot).',
    risk: 'At maximum size the autoscaler cannot add nodes: new workspaces stay Pending until capacity frees up.',
    guideSection: GuideSection.PodsPending,
  },
  (snap, { deployment }) => {
    const cluster = deployment.eks.clusterName;
    const workspaceGroups = deployment.eks.workspaceNodegroups ?? deployment.eks.nodegroups;
    return Object.entries(need(snap.nodegroups)).map(([name, ng]): FindingInput => {
      const resource = ng?.nodegroupArn ?? `${cluster}/${name}`;
      if (!ng?.scalingConfig) {
        const why = ng ? 'has no scaling configuration' : 'does not exist';
        return { status: 'error', resource, detail: `Node group ${name} ${why} (see nodegroup-health).` };
      }
      const { minSize = 0, maxSize = 0, desiredSize = 0 } = ng.scalingConfig;
      const evidence = { nodegroup: name, minSize, desiredSize, maxSize };
      const inconsistent = minSize > desiredSize || desiredSize > maxSize;
      const full = !inconsistent && desiredSize >= maxSize;
      const minZero = minSize === 0 && workspaceGroups.includes(name);
      if (!inconsistent && !full && !minZero) {
        return {
          status: 'pass',
          resource,
          detail: `Node group ${name} can grow from ${desiredSize} to ${maxSize} nodes.`,
          evidence,
        };
      }
      const problems = [
        inconsistent && `sizes are inconsistent (min ${minSize}, desired ${desiredSize}, max ${maxSize})`,
        full && `desired size ${desiredSize} has reached the maximum ${maxSize}: no room to scale up`,
        minZero && 'minimum size is 0: after a scale-down to zero, workspaces wait for a node to boot',
      ].filter(Boolean);
      const sizes = scaleUp({ minSize, maxSize, desiredSize }, 0, minZero ? 1 : 0);
      return {
        status: 'fail',
        severity: inconsistent || full ? 'high' : 'low',
        resource,
        detail: `Node group ${name}: ${problems.join('; ')}.`,
        evidence,
        remediation: {
          text: 'Check the node group, then raise its maximum (or minimum) size; keep desired within the bounds.',
          commands: [describeNodegroupCommand(cluster, name), scalingCommand(cluster, name, sizes)],
        },
      };
    });
  },
);
