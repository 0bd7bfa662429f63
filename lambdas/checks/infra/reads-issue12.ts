/**
 * AWS reads the infra group gained with issue 12, for the group's declared reads (reads.ts) and its IAM
 * policy: CloudTrail LookupEvents (who changed a failing resource), the NAT gateways of the VPC and their
 * AWS/NATGateway metrics, the EBS volumes of the workspace volume type (its storage quota is read with the
 * servicequotas:GetServiceQuota the group already has). None of these supports resource-level permissions.
 */
export const ISSUE12_READS = [
  { actions: ['cloudtrail:LookupEvents'], resources: ['*'] },
  {
    actions: ['ec2:DescribeNatGateways', 'cloudwatch:GetMetricData', 'ec2:DescribeVolumes'],
    resources: ['*'],
  },
] as const;
