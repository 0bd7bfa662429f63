import type { AwsRead } from '../../audit/reads.js';

const NO_RESOURCE_LEVEL = 'supports no resource-level permissions (read-only)';

/** What the infra collector reads: EKS, EC2, RDS, ELBv2 and Service Quotas describe calls. */
export const INFRA_READS: readonly AwsRead[] = [
  {
    sid: 'EksDescribe',
    actions: ['eks:DescribeCluster', 'eks:DescribeNodegroup'],
    resources: (d, { arn }) => [
      arn('eks', `cluster/${d.eks.clusterName}`),
      ...d.eks.nodegroups.map((ng) => arn('eks', `nodegroup/${d.eks.clusterName}/${ng}/*`)),
    ],
  },
  {
    sid: 'Ec2Describe',
    actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeInstanceTypes'],
    resources: () => ['*'],
    why: `EC2 Describe* ${NO_RESOURCE_LEVEL}`,
  },
  {
    sid: 'AuroraClusterDescribe',
    actions: ['rds:DescribeDBClusters'],
    resources: (d, { arn }) => [arn('rds', `cluster:${d.aurora.clusterId}`)],
  },
  {
    sid: 'AuroraInstancesDescribe',
    actions: ['rds:DescribeDBInstances'],
    // Member instance ids are not known in advance: the collector filters by the cluster id.
    resources: (_d, { arn }) => [arn('rds', 'db:*')],
  },
  {
    sid: 'AuroraEvents',
    actions: ['rds:DescribeEvents'],
    resources: () => ['*'],
    why: `rds:DescribeEvents ${NO_RESOURCE_LEVEL}`,
  },
  {
    sid: 'TargetGroupsDescribe',
    actions: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'],
    resources: () => ['*'],
    why: `elasticloadbalancing:Describe* ${NO_RESOURCE_LEVEL}`,
  },
  {
    sid: 'Ec2Quotas',
    actions: ['servicequotas:GetServiceQuota'],
    resources: (_d, { arn }) => [arn('servicequotas', 'ec2/*')],
  },
];
