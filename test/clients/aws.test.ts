import { EKSClient } from '@aws-sdk/client-eks';
import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lambdas/audit/calls.js';
import { CLUSTER_CLIENTS } from '../../lambdas/checks/cluster/clients.js';
import { createAwsClients, type SmithyClientLike } from '../../lambdas/clients/aws.js';
import { testDeployment } from '../fixtures/deployment.js';

describe('Function: createAwsClients', () => {
  it('builds a client on first use, once, from the factories it is given (what a function bundles)', () => {
    const created: SmithyClientLike[] = [];
    const aws = createAwsClients(testDeployment(), new CallRecorder(), CLUSTER_CLIENTS, (c) =>
      created.push(c),
    );
    expect(created).toEqual([]);
    const eks = aws.eks;
    expect(eks).toBeInstanceOf(EKSClient);
    expect(aws.eks).toBe(eks);
    expect(created).toEqual([eks]);
    aws.destroy();
  });

  it('Noncompliance 1: a client the group does not declare is an error naming it, never built', () => {
    const created: SmithyClientLike[] = [];
    const aws = createAwsClients(testDeployment(), new CallRecorder(), CLUSTER_CLIENTS, (c) =>
      created.push(c),
    );
    expect(() => aws.cloudtrail).toThrow(/no cloudtrail client in this function/);
    expect(() => aws.secrets).toThrow(/no secrets client/);
    expect(created).toEqual([]);
  });
});
