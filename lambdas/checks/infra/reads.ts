import type { AwsRead } from '../../audit/reads.js';

/**
 * The Service Quotas code of each EBS volume type's regional storage quota, in TiB (service code `ebs`):
 * "Storage for General Purpose SSD (gp3) volumes, in TiB" is L-7A658B76 (default 50), gp2 L-D18FCD1D.
 */
export const EBS_STORAGE_QUOTA: Readonly<Record<'gp3' | 'gp2', string>> = {
  gp3: 'L-7A658B76',
  gp2: 'L-D18FCD1D',
};

const NO_RESOURCE_LEVEL = 'supports no resource-level permissions (read-only)';

/**
 * What the infra collector reads: EKS, EC2, RDS, ELBv2 and Service Quotas describe calls, the NAT gateways'
 * CloudWatch metrics, and CloudTrail's management events of the failing resources.
 */
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
    actions: [
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeInstanceTypes',
      'ec2:DescribeNatGateways',
      'ec2:DescribeRouteTables',
      'ec2:DescribeVolumes',
    ],
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
    // The vCPU quotas of EC2, and the storage quota of the workspace volume type only (ebs-quota).
    resources: (d, { arn }) => [
      arn('servicequotas', 'ec2/*'),
      arn('servicequotas', `ebs/${EBS_STORAGE_QUOTA[d.eks.volumeType]}`),
    ],
  },
  {
    sid: 'NatGatewayMetrics',
    actions: ['cloudwatch:GetMetricData'],
    resources: () => ['*'],
    why: `cloudwatch:GetMetricData ${NO_RESOURCE_LEVEL} (AWS/NATGateway metrics of the VPC's gateways)`,
  },
  {
    sid: 'ResourceChanges',
    actions: ['cloudtrail:LookupEvents'],
    resources: () => ['*'],
    why: `cloudtrail:LookupEvents ${NO_RESOURCE_LEVEL} (who changed a failing resource in the last 24 h)`,
  },
];
