import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { STSClient } from '@aws-sdk/client-sts';
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
import { AuditError, describeError } from '../audit/errors.js';

/** The AWS service clients an audit may use, by the name the collectors use. */
export interface AwsServiceClients {
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
}
export type AwsClientName = keyof AwsServiceClients;

/** The service name each client's calls are recorded under. */
const SERVICE_OF: Readonly<Record<AwsClientName, string>> = {
  eks: 'eks',
  ec2: 'ec2',
  rds: 'rds',
  elbv2: 'elbv2',
  quotas: 'servicequotas',
  secrets: 'secretsmanager',
  sts: 'sts',
  cloudtrail: 'cloudtrail',
  cloudwatch: 'cloudwatch',
};

/**
 * The SDK client classes a function may build, by name. A Lambda function passes only those of its group
 * (`lambdas/checks/<group>/clients.ts`), so its bundle holds no other SDK client; a client it lacks is an
 * error naming it, never a silent fallback.
 */
export type AwsClientFactories = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each SDK client has its own config type.
  [K in AwsClientName]?: new (config: any) => AwsServiceClients[K];
};

/** The AWS clients an audit uses, built on first use from configuration. */
export interface AwsClients extends AwsServiceClients {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /**
   * Resolve the credentials once, before any check runs: what is wrong with them (no credentials found,
   * expired SSO session, role that cannot be assumed), or undefined when they work.
   */
  credentialsProblem(): Promise<string | undefined>;
  destroy(): void;
}

/** What the recorder and the tracer need of an SDK client. */
export interface SmithyClientLike {
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

/**
 * The audit's AWS clients: region, endpoint override, credentials, retry mode and timeouts. Each client is
 * built (and counted, and passed to `onCreate`, e.g. the tracer) the first time a collector uses it, from
 * `factories`: a name without a factory throws.
 */
export function createAwsClients(
  deployment: DeploymentConfig,
  recorder: CallRecorder,
  factories: AwsClientFactories,
  onCreate?: (client: SmithyClientLike) => void,
): AwsClients {
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
  const built = new Map<AwsClientName, SmithyClientLike>();
  const clientOf = (name: AwsClientName): SmithyClientLike => {
    let c = built.get(name);
    if (!c) {
      const Client = factories[name];
      if (!Client) throw new AuditError(`no ${name} client in this function (its group does not declare it)`);
      c = instrument(new Client(common) as SmithyClientLike, SERVICE_OF[name], recorder);
      onCreate?.(c);
      built.set(name, c);
    }
    return c;
  };
  const lazy = Object.fromEntries(
    (Object.keys(SERVICE_OF) as AwsClientName[]).map((name) => [
      name,
      { get: () => clientOf(name), enumerable: true },
    ]),
  ) as PropertyDescriptorMap;
  const base2 = {
    region: aws.region,
    credentials,
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
      for (const c of built.values()) c.destroy();
      built.clear();
    },
  };
  return Object.defineProperties(base2, lazy) as AwsClients;
}
