import type { AwsRead } from '../../audit/reads.js';

/**
 * What the cluster collector reads from AWS: the cluster's endpoint and CA, and its node groups (taints).
 * Kubernetes reads go through the EKS access entry (AmazonEKSViewPolicy on the Coder namespaces), not IAM.
 */
export const CLUSTER_READS: readonly AwsRead[] = [
  {
    sid: 'EksDescribe',
    actions: ['eks:DescribeCluster', 'eks:DescribeNodegroup'],
    resources: (d, { arn }) => [
      arn('eks', `cluster/${d.eks.clusterName}`),
      ...d.eks.nodegroups.map((ng) => arn('eks', `nodegroup/${d.eks.clusterName}/${ng}/*`)),
    ],
  },
];
