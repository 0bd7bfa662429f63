import { SimIam } from '../../../sim/aws/iam.js';
import { SimParameterStore } from '../../../sim/aws/parameters.js';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import { parseConfig, type DeploymentConfig } from '../../../lambdas/audit/config.js';
import type { CollectContext } from '../../../lambdas/audit/group.js';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import { baseSimDeployment, SIM_IDS } from '../../../sim/deployment.js';
import { makeSimSecrets, simTls, type SimEnv } from '../../../sim/env.js';
import { FaultInjector } from '../../../sim/faults.js';
import { loadScenario, type Scenario } from '../../../sim/scenario.js';
import { startKubeSim, type KubeSimPart } from '../../../sim/kube/server.js';

/** A SimEnv for the Kubernetes twin alone. */
export function kubeEnv(): SimEnv {
  return {
    faults: new FaultInjector(),
    tls: simTls(),
    secrets: makeSimSecrets(),
    region: SIM_IDS.region,
    accountId: SIM_IDS.accountId,
    credentials: {
      accessKeyId: 'AKIASIMULATED0000001',
      secretAccessKey: 'simulated/secret/access/key/0000000000',
    },
    iam: new SimIam({
      ...{
        accessKeyId: 'AKIASIMULATED0000001',
        secretAccessKey: 'simulated/secret/access/key/0000000000',
      },
      accountId: '123456789012',
    }),
    parameters: new SimParameterStore(),
    dataDir: '/tmp',
  };
}

/** The workspace node group of base/aws.yaml, as DescribeNodegroup returns it. */
export const WS_NODEGROUP: Nodegroup = {
  nodegroupName: 'coder-prod-ws',
  clusterName: SIM_IDS.clusterName,
  nodegroupArn: `arn:aws:eks:us-east-1:123456789012:nodegroup/${SIM_IDS.clusterName}/coder-prod-ws/1a2b`,
  status: 'ACTIVE',
  scalingConfig: { minSize: 2, maxSize: 20, desiredSize: 6 },
  labels: { 'coder.com/pool': 'workspaces' },
  taints: [{ key: 'coder.com/workspaces', value: 'true', effect: 'NO_SCHEDULE' }],
};

/** The system node group of base/aws.yaml (coderd and provisioners run there), as DescribeNodegroup returns it. */
export const SYSTEM_NODEGROUP: Nodegroup = {
  nodegroupName: 'coder-prod-system',
  clusterName: SIM_IDS.clusterName,
  nodegroupArn: `arn:aws:eks:us-east-1:123456789012:nodegroup/${SIM_IDS.clusterName}/coder-prod-system/3c4d`,
  status: 'ACTIVE',
  scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 2 },
  labels: { 'coder.com/pool': 'system' },
};

export interface Harness {
  env: SimEnv;
  kube: KubeSimPart;
  deployment: DeploymentConfig;
  eks: ReturnType<typeof mockClient>;
  /** A fresh collect context (new recorder and memo) for one audit. */
  context(signal?: AbortSignal): CollectContext & { calls: CallRecorder };
  stop(): Promise<void>;
}

/** The Kubernetes twin on a scenario, and an EKS client mocked to describe it. */
export async function startHarness(scenario: string | Scenario = 'healthy'): Promise<Harness> {
  const env = kubeEnv();
  const s = typeof scenario === 'string' ? loadScenario(scenario) : scenario;
  const kube = await startKubeSim(env, s, new Date());
  const client = new EKSClient({ region: SIM_IDS.region, credentials: env.credentials });
  const eks = mockClient(client);
  eks.on(DescribeClusterCommand).resolves({
    cluster: {
      name: SIM_IDS.clusterName,
      endpoint: kube.url,
      certificateAuthority: { data: Buffer.from(kube.caPem).toString('base64') },
      resourcesVpcConfig: { vpcId: SIM_IDS.vpcId },
      status: 'ACTIVE',
    },
  });
  eks.on(DescribeNodegroupCommand, { nodegroupName: 'coder-prod-ws' }).resolves({ nodegroup: WS_NODEGROUP });
  eks
    .on(DescribeNodegroupCommand, { nodegroupName: 'coder-prod-system' })
    .resolves({ nodegroup: SYSTEM_NODEGROUP });
  const deployment = parseConfig(baseSimDeployment()).deployments[0]!;
  const aws = { region: SIM_IDS.region, credentials: env.credentials, eks: client } as unknown as AwsClients;
  return {
    env,
    kube,
    deployment,
    eks,
    context(signal = new AbortController().signal) {
      const memo = new Map<string, Promise<unknown>>();
      return {
        deployment,
        aws,
        calls: new CallRecorder(),
        signal,
        now: new Date(),
        log: () => {},
        once<T>(key: string, read: () => Promise<T>): Promise<T> {
          if (!memo.has(key)) memo.set(key, read());
          return memo.get(key) as Promise<T>;
        },
      };
    },
    async stop() {
      eks.restore();
      await kube.stop();
    },
  };
}
