import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HandlerOptions,
  AbsoluteLocation,
  InitializeMiddleware,
  MetadataBearer,
} from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { CallRecorder } from '../audit/calls.js';
import type { DeploymentConfig } from '../audit/config.js';
import { describeError } from '../audit/errors.js';

/** The AWS clients an audit uses, built once per audit from configuration. */
export interface AwsClients {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  eks: EKSClient;
  ec2: EC2Client;
  rds: RDSClient;
  elbv2: ElasticLoadBalancingV2Client;
  quotas: ServiceQuotasClient;
  secrets: SecretsManagerClient;
  sts: STSClient;
  /** CloudTrail, for who changed a failing resource (LookupEvents). */
  cloudtrail: CloudTrailClient;
  /** CloudWatch metrics (NAT gateway errors). */
  cloudwatch: CloudWatchClient;
  /**
   * Resolve the credentials once, before any check runs: what is wrong with them (no credentials found,
   * expired SSO session, role that cannot be assumed), or undefined when they work.
   */
  credentialsProblem(): Promise<string | undefined>;
  destroy(): void;
}

interface SmithyClientLike {
  middlewareStack: {
    add(
      mw: InitializeMiddleware<object, MetadataBearer>,
      opts: HandlerOptions & AbsoluteLocation & { step: 'initialize' },
    ): void;
  };
  destroy(): void;
}

/** Resource identity of a command input: the request parameters minus pagination tokens. */
function resourceKey(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  const { NextToken: _n, Marker: _m, nextToken: _nt, ...rest } = input as Record<string, unknown>;
  const page = _n ?? _m ?? _nt;
  return JSON.stringify(rest) + (page ? ` page:${String(page)}` : '');
}

/** Count every command (one logical call, retries included) with the recorder. */
export function instrument<C extends SmithyClientLike>(
  client: C,
  service: string,
  recorder: CallRecorder,
): C {
  const counter: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) =>
    recorder.track(
      service,
      String(context.commandName ?? 'unknown').replace(/Command$/, ''),
      resourceKey(args.input),
      () => next(args),
    );
  client.middlewareStack.add(counter, {
    step: 'initialize',
    name: 'coderAuditCallCounter',
    priority: 'high',
  });
  return client;
}

/** Build the audit's AWS clients: region, endpoint override, credentials, retry mode and timeouts. */
export function createAwsClients(deployment: DeploymentConfig, recorder: CallRecorder): AwsClients {
  const { aws, timeouts } = deployment;
  const endpoint = aws.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const base = { region: aws.region, ...(endpoint ? { endpoint } : {}) };
  const own = aws.credentials
    ? { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: aws.credentials.secretAccessKey }
    : undefined;
  const credentials: AwsClients['credentials'] = aws.roleArn
    ? // The role's session, assumed with the static credentials (simulated deployment) or the default chain.
      fromTemporaryCredentials({
        params: {
          RoleArn: aws.roleArn,
          RoleSessionName: `coder-audit-${deployment.id}`,
          ...(aws.externalId ? { ExternalId: aws.externalId } : {}),
        },
        ...(own ? { masterCredentials: own } : {}),
        clientConfig: base,
      })
    : (own ??
      // One default chain for every client: it is resolved (and fails) once, not once per client.
      fromNodeProviderChain({ clientConfig: { region: aws.region } }));
  const common = {
    ...base,
    ...(credentials ? { credentials } : {}),
    retryMode: aws.retryMode,
    maxAttempts: aws.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.callMs,
      requestTimeout: timeouts.callMs,
      // Without this the handler only logs a warning and a hung endpoint never fails the call.
      throwOnRequestTimeout: true,
    }),
  } as const;
  const clients = {
    eks: instrument(new EKSClient(common), 'eks', recorder),
    ec2: instrument(new EC2Client(common), 'ec2', recorder),
    rds: instrument(new RDSClient(common), 'rds', recorder),
    elbv2: instrument(new ElasticLoadBalancingV2Client(common), 'elbv2', recorder),
    quotas: instrument(new ServiceQuotasClient(common), 'servicequotas', recorder),
    secrets: instrument(new SecretsManagerClient(common), 'secretsmanager', recorder),
    sts: instrument(new STSClient(common), 'sts', recorder),
    cloudtrail: instrument(new CloudTrailClient(common), 'cloudtrail', recorder),
    cloudwatch: instrument(new CloudWatchClient(common), 'cloudwatch', recorder),
  };
  return {
    region: aws.region,
    credentials,
    ...clients,
    async credentialsProblem() {
      if (typeof credentials !== 'function') return undefined;
      try {
        await credentials();
        return undefined;
      } catch (err) {
        return describeError(err);
      }
    },
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}
