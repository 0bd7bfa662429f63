import type { NodegroupScalingConfig } from '@aws-sdk/client-eks';
import { shq, type ScalingPlan } from '../audit/model.js';

/** The three sizes of an EKS managed node group. */
export interface NodegroupSizes {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/** The sizes of a node group's scaling configuration, or undefined when any of them is unknown. */
export function knownSizes(scaling: NodegroupScalingConfig | undefined): NodegroupSizes | undefined {
  const { minSize, maxSize, desiredSize } = scaling ?? {};
  if (minSize === undefined || maxSize === undefined || desiredSize === undefined) return undefined;
  return { minSize, maxSize, desiredSize };
}

/**
 * The one sizing rule of the audit (nodegroup-capacity and pods-pending use it, so the same node group gets
 * the same maximum in both): add `needNodes` to the desired size; when the group is full, inconsistent or
 * too small for that, raise the maximum by 50% (rounded up, at least 1) and at least to the new desired
 * size. The minimum never rises above the desired size, except to `minAtLeast`. Never shrinks the maximum.
 */
export function scaleUp(s: NodegroupSizes, needNodes = 0, minAtLeast = 0): NodegroupSizes {
  const want = s.desiredSize + needNodes;
  const mustGrow = s.minSize > s.desiredSize || s.desiredSize >= s.maxSize || want > s.maxSize;
  const base = Math.max(s.maxSize, s.desiredSize);
  const maxSize = mustGrow ? Math.max(base + Math.max(1, Math.ceil(base / 2)), want) : s.maxSize;
  const minSize = Math.min(Math.max(Math.min(s.minSize, s.desiredSize), minAtLeast), maxSize);
  const desiredSize = Math.min(Math.max(want, minSize), maxSize);
  return { minSize, maxSize, desiredSize };
}

/** `aws eks update-nodegroup-config ... --scaling-config minSize=..,maxSize=..,desiredSize=..` */
export function scalingCommand(cluster: string, nodegroup: string, s: NodegroupSizes): string {
  return (
    `aws eks update-nodegroup-config --cluster-name ${shq(cluster)} --nodegroup-name ${shq(nodegroup)} ` +
    `--scaling-config minSize=${s.minSize},maxSize=${s.maxSize},desiredSize=${s.desiredSize}`
  );
}

/** `aws eks describe-nodegroup ...` */
export function describeNodegroupCommand(cluster: string, nodegroup: string): string {
  return `aws eks describe-nodegroup --cluster-name ${shq(cluster)} --nodegroup-name ${shq(nodegroup)}`;
}

/**
 * The resize of one node group a finding asks for, as a plan (so that the diagnosis of a report can give
 * every finding about the node group the same sizes, see `reconcileScaling`) and as its command.
 */
export function scalingPlan(
  cluster: string,
  nodegroup: string,
  current: NodegroupSizes,
  addNodes = 0,
  minAtLeast = 0,
): ScalingPlan {
  const command = scalingCommand(cluster, nodegroup, scaleUp(current, addNodes, minAtLeast));
  return { cluster, nodegroup, current, addNodes, minAtLeast, command };
}
