import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { AwsClientFactories } from '../../clients/aws.js';

/** The SDK clients the infra collector uses (its function bundles these only). */
export const INFRA_CLIENTS: AwsClientFactories = {
  eks: EKSClient,
  ec2: EC2Client,
  rds: RDSClient,
  elbv2: ElasticLoadBalancingV2Client,
  quotas: ServiceQuotasClient,
  cloudtrail: CloudTrailClient,
  cloudwatch: CloudWatchClient,
};
