import { EKSClient } from '@aws-sdk/client-eks';
import type { AwsClientFactories } from '../../clients/aws.js';

/** The SDK clients the cluster collector uses: EKS (DescribeCluster, DescribeNodegroup); the token is presigned. */
export const CLUSTER_CLIENTS: AwsClientFactories = { eks: EKSClient };
