// EKS reads several check groups need, memoized per audit through `ctx.once` so each runs once. The memo
// holds the SDK output (or its rejection): a caller that treats a missing resource as absent handles
// `ResourceNotFoundException` itself.

import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type DescribeClusterCommandOutput,
  type DescribeNodegroupCommandOutput,
} from '@aws-sdk/client-eks';
import type { CollectContext } from '../audit/group.js';

/** DescribeCluster of the configured cluster, shared through `ctx.once` (`eks:DescribeCluster:<name>`). */
export function describeCluster(ctx: CollectContext): Promise<DescribeClusterCommandOutput> {
  const name = ctx.deployment.eks.clusterName;
  return ctx.once(`eks:DescribeCluster:${name}`, () =>
    ctx.aws.eks.send(new DescribeClusterCommand({ name }), { abortSignal: ctx.signal }),
  );
}

/** DescribeNodegroup of one node group, shared through `ctx.once` (`eks:DescribeNodegroup:<cluster>/<ng>`). */
export function describeNodegroup(
  ctx: CollectContext,
  nodegroup: string,
): Promise<DescribeNodegroupCommandOutput> {
  const clusterName = ctx.deployment.eks.clusterName;
  return ctx.once(`eks:DescribeNodegroup:${clusterName}/${nodegroup}`, () =>
    ctx.aws.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName: nodegroup }), {
      abortSignal: ctx.signal,
    }),
  );
}
