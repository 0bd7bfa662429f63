import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClientFactories } from './aws.js';

/** Every AWS client an audit may use: the CLI runs all groups in one process. */
export const ALL_AWS_CLIENTS: Required<AwsClientFactories> = {
  eks: EKSClient,
  ec2: EC2Client,
  rds: RDSClient,
  elbv2: ElasticLoadBalancingV2Client,
  quotas: ServiceQuotasClient,
  secrets: SecretsManagerClient,
  sts: STSClient,
  cloudtrail: CloudTrailClient,
  cloudwatch: CloudWatchClient,
};
