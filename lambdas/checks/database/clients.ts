import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClientFactories } from '../../clients/aws.js';

/** The SDK clients the database collector uses: Secrets Manager (the database secret); IAM tokens are presigned. */
export const DATABASE_CLIENTS: AwsClientFactories = { secrets: SecretsManagerClient };
