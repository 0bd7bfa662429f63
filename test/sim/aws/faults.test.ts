import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand } from '@aws-sdk/client-rds';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isThrottlingError } from '@smithy/service-error-classification';
import type { SdkError } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import type { SimService } from '../../../sim/faults.js';
import { startTwin, type AwsTwin } from './harness.js';

/** One cheap call per service, named as the twin counts it. */
const CALLS: { service: SimService; operation: string; call: (aws: AwsClients) => Promise<unknown> }[] = [
  {
    service: 'ec2',
    operation: 'DescribeSecurityGroups',
    call: (aws) => aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [SIM_IDS.dbSecurityGroupId] })),
  },
  {
    service: 'rds',
    operation: 'DescribeDBClusters',
    call: (aws) =>
      aws.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: SIM_IDS.auroraClusterId })),
  },
  {
    service: 'elbv2',
    operation: 'DescribeTargetHealth',
    call: (aws) =>
      aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: SIM_IDS.targetGroupArn })),
  },
  {
    service: 'sts',
    operation: 'GetCallerIdentity',
    call: (aws) => aws.sts.send(new GetCallerIdentityCommand({})),
  },
  {
    service: 'eks',
    operation: 'DescribeCluster',
    call: (aws) => aws.eks.send(new DescribeClusterCommand({ name: SIM_IDS.clusterName })),
  },
  {
    service: 'servicequotas',
    operation: 'GetServiceQuota',
    call: (aws) =>
      aws.quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' })),
  },
  {
    service: 'secretsmanager',
    operation: 'GetSecretValue',
    call: (aws) => aws.secrets.send(new GetSecretValueCommand({ SecretId: 'coder-auditor/sim/coder-token' })),
  },
];

async function failureOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail');
}

describe('Sim: AWS twin faults and authentication', () => {
  let twin: AwsTwin;
  beforeAll(async () => {
    twin = await startTwin();
  });
  afterEach(() => twin.env.faults.set([]));
  afterAll(async () => twin.stop());

  describe('Fault: throttle', () => {
    const expected: Record<string, { name: string; status: number }> = {
      ec2: { name: 'RequestLimitExceeded', status: 503 },
      rds: { name: 'Throttling', status: 400 },
      eks: { name: 'ThrottlingException', status: 429 },
      secretsmanager: { name: 'ThrottlingException', status: 400 },
    };
    it('answers each protocol with its real throttling error, which the SDK classifies and retries', async () => {
      const cases = CALLS.filter((c) => expected[c.service]);
      twin.env.faults.set(
        cases.map(({ service }) => ({ service, kind: 'throttle' as const, ms: 0, rate: 1 })),
      );
      const before = cases.map(({ service, operation }) => twin.seen(`${service}:${operation}`));
      // In parallel: each retry waits for the SDK's throttling backoff.
      const errors = await Promise.all(
        cases.map(({ call }) => failureOf(call(twin.clients({ aws: { maxAttempts: 2 } })))),
      );
      cases.forEach(({ service, operation }, i) => {
        const err = errors[i]!;
        expect(err, service).toMatchObject({ name: expected[service]!.name, $metadata: { attempts: 2 } });
        expect(err.$metadata?.httpStatusCode, service).toBe(expected[service]!.status);
        expect(isThrottlingError(err), service).toBe(true);
        expect(twin.seen(`${service}:${operation}`) - before[i]!, service).toBe(2);
      });
    });

    it('lets calls succeed through retries when 30% of requests are throttled', async () => {
      // A fresh twin: the fault sequence is deterministic per (service, operation) from its first request.
      const fresh = await startTwin();
      try {
        const aws = fresh.clients({ aws: { maxAttempts: 4 } });
        fresh.env.faults.set([{ service: 'sts', kind: 'throttle', ms: 0, rate: 0.3 }]);
        for (let i = 0; i < 5; i++) await CALLS[3]!.call(aws);
        // Seed 42 throttles the 2nd request only: 5 calls take 6 requests (one retry).
        expect(fresh.seen('sts:GetCallerIdentity')).toBe(6);
      } finally {
        await fresh.stop();
      }
    });
  });

  describe('Fault: accessDenied', () => {
    it.each(CALLS)(
      'answers $service:$operation with the real access denied error',
      async ({ service, call }) => {
        const aws = twin.clients({ aws: { maxAttempts: 1 } });
        twin.env.faults.set([{ service, kind: 'accessDenied', ms: 0, rate: 1 }]);
        const err = await failureOf(call(aws));
        expect(err.name).toMatch(
          service === 'ec2' ? /^UnauthorizedOperation$/ : /^AccessDenied(Exception)?$/,
        );
        expect(err.$metadata?.httpStatusCode).toBe(403);
        expect(isThrottlingError(err)).toBe(false);
      },
    );
  });

  describe('Fault: error5xx, malformed, refuse', () => {
    it('answers 500 InternalError / InternalFailure', async () => {
      const aws = twin.clients({ aws: { maxAttempts: 1 } });
      twin.env.faults.set([{ service: '*', kind: 'error5xx', ms: 0, rate: 1 }]);
      const ec2 = await failureOf(CALLS[0]!.call(aws));
      expect(ec2).toMatchObject({
        name: 'InternalError',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
      const rds = await failureOf(CALLS[1]!.call(aws));
      expect(rds).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    });

    it('answers a truncated body that the SDK fails to parse', async () => {
      const aws = twin.clients({ aws: { maxAttempts: 1 } });
      twin.env.faults.set([{ service: 'rds', kind: 'malformed', ms: 0, rate: 1 }]);
      await expect(CALLS[1]!.call(aws)).rejects.toThrow();
      twin.env.faults.set([{ service: 'eks', kind: 'malformed', ms: 0, rate: 1 }]);
      await expect(CALLS[4]!.call(aws)).rejects.toThrow();
    });

    it('destroys the socket for refuse', async () => {
      const aws = twin.clients({ aws: { maxAttempts: 1 } });
      twin.env.faults.set([{ service: 'sts', kind: 'refuse', ms: 0, rate: 1 }]);
      const err = await failureOf(CALLS[3]!.call(aws));
      expect(err.$metadata?.httpStatusCode).toBeUndefined();
    });

    it('adds latency without failing', async () => {
      const aws = twin.clients();
      twin.env.faults.set([{ service: 'sts', kind: 'latency', ms: 50, rate: 1 }]);
      await expect(CALLS[3]!.call(aws)).resolves.toMatchObject({ Account: SIM_IDS.accountId });
    });
  });

  describe('Authentication', () => {
    it.each([
      ['ec2', 0, 'AuthFailure'],
      ['rds', 1, 'InvalidClientTokenId'],
      ['eks', 4, 'UnrecognizedClientException'],
      ['secretsmanager', 6, 'UnrecognizedClientException'],
    ] as const)('rejects an unknown access key id on %s with %s', async (_service, index, name) => {
      const aws = twin.clients({
        aws: { maxAttempts: 1, credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } },
      });
      await expect(CALLS[index]!.call(aws)).rejects.toMatchObject({ name });
    });

    it.each([
      ['ec2', 0, 'AuthFailure'],
      ['sts', 3, 'SignatureDoesNotMatch'],
      ['servicequotas', 5, 'InvalidSignatureException'],
    ] as const)('rejects a wrong signature on %s with %s', async (_service, index, name) => {
      const aws = twin.clients({
        aws: {
          maxAttempts: 1,
          credentials: { accessKeyId: twin.env.credentials.accessKeyId, secretAccessKey: 'wrong' },
        },
      });
      await expect(CALLS[index]!.call(aws)).rejects.toMatchObject({ name });
    });
  });
});

describe('Sim: AWS twin hang', () => {
  it('lets the client requestTimeout fire, and stop() returns with the request still hung', async () => {
    const twin = await startTwin();
    const aws = twin.clients({ aws: { maxAttempts: 1 }, timeouts: { callMs: 300 } });
    twin.env.faults.set([{ service: 'eks', kind: 'hang', ms: 0, rate: 1 }]);
    const err = await failureOf(aws.eks.send(new DescribeClusterCommand({ name: SIM_IDS.clusterName })));
    expect(err.name).toBe('TimeoutError');
    const other = twin.clients({ aws: { maxAttempts: 1 }, timeouts: { callMs: 60_000 } });
    const pending = failureOf(other.eks.send(new DescribeClusterCommand({ name: SIM_IDS.clusterName })));
    while (twin.seen('eks:DescribeCluster') < 2) await new Promise((r) => setTimeout(r, 10));
    await twin.stop();
    expect((await pending).$metadata?.httpStatusCode).toBeUndefined();
  });
});
