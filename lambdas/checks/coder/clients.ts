import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClientFactories } from '../../clients/aws.js';

/** The SDK clients the coder collector uses: Secrets Manager (the Coder token). */
export const CODER_CLIENTS: AwsClientFactories = { secrets: SecretsManagerClient };
