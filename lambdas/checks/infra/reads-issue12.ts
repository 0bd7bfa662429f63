/**
 * AWS reads the infra group gained with issue 12, for the group's declared reads (reads.ts) and its IAM
 * policy: CloudTrail LookupEvents (who changed a failing resource), the NAT gateways of the VPC and their
 * AWS/NATGateway metrics. None of these actions supports resource-level permissions.
 */
export const ISSUE12_READS = [
  { actions: ['cloudtrail:LookupEvents'], resources: ['*'] },
  { actions: ['ec2:DescribeNatGateways', 'cloudwatch:GetMetricData'], resources: ['*'] },
] as const;
