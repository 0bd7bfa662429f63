import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { describeNodegroupCommand, scalingPlan } from '../nodegroup-sizing.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when a node group has room to scale (desired < max), sane bounds, and a workspace group keeps a node. */
export default defineCheck<InfraSnapshot>(INFRA_META['nodegroup-capacity'], (snap, { deployment }) => {
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
    const plan = scalingPlan(cluster, name, { minSize, maxSize, desiredSize }, 0, minZero ? 1 : 0);
    return {
      status: 'fail',
      reason: inconsistent ? 'inconsistent-sizes' : full ? 'at-max' : 'min-zero',
      scope: { nodegroup: name },
      resource,
      detail: `Node group ${name}: ${problems.join('; ')}.`,
      evidence,
      remediation: {
        text: 'Check the node group, then raise its maximum (or minimum) size; keep desired within the bounds.',
        commands: [describeNodegroupCommand(cluster, name), plan.command],
        scaling: [plan],
      },
    };
  });
});
