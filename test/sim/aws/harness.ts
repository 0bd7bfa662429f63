import { SimIam } from '../../../sim/aws/iam.js';
import { SimParameterStore } from '../../../sim/aws/parameters.js';
import { parseConfig, type DeploymentConfig } from '../../../lambdas/audit/config.js';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import { ALL_AWS_CLIENTS } from '../../../lambdas/clients/aws-all.js';
import { createAwsClients, type AwsClients } from '../../../lambdas/clients/aws.js';
import { startAwsSim, type AwsSimPart } from '../../../sim/aws/server.js';
import { baseSimDeployment, SIM_IDS } from '../../../sim/deployment.js';
import { makeSimSecrets, simTls, type SimEnv } from '../../../sim/env.js';
import { FaultInjector } from '../../../sim/faults.js';
import { deepMerge, loadScenario, type Scenario } from '../../../sim/scenario.js';

/** A running AWS twin and the env it was started with (built as sim/index.ts builds it). */
export interface AwsTwin {
  env: SimEnv;
  part: AwsSimPart;
  /** Deployment config pointing the real clients at the twin; `overrides` deep-merged in. */
  deployment(overrides?: Record<string, unknown>): DeploymentConfig;
  /** Real SDK clients built by createAwsClients; destroyed by `stop()`. */
  clients(overrides?: Record<string, unknown>): AwsClients;
  /** Requests the twin received for `service:Operation`. */
  seen(key: string): number;
  /** Units billed for `service:Operation` (successful requests, in the service's unit). */
  billed(key: string): number;
  stop(): Promise<void>;
}

export function simEnv(): SimEnv {
  return {
    faults: new FaultInjector(),
    tls: simTls(),
    secrets: makeSimSecrets('CANARYtest0aws'),
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
    dataDir: '/nonexistent',
  };
}

/** Start the AWS twin; scenario ages (metric points, events) count back from `now`. */
export async function startTwin(
  scenario: Scenario = loadScenario('healthy'),
  env = simEnv(),
  now = new Date(),
): Promise<AwsTwin> {
  const part = await startAwsSim(env, scenario, now);
  const made: AwsClients[] = [];
  const deployment = (overrides: Record<string, unknown> = {}) => {
    let doc = deepMerge(baseSimDeployment(), part.config);
    doc = deepMerge(doc, { aws: { credentials: env.credentials } });
    return parseConfig(deepMerge(doc, overrides), 'test deployment').deployments[0]!;
  };
  return {
    env,
    part,
    deployment,
    clients(overrides) {
      const c = createAwsClients(deployment(overrides), new CallRecorder(), ALL_AWS_CLIENTS);
      made.push(c);
      return c;
    },
    seen: (key) => part.requests.get(key) ?? 0,
    billed: (key) => part.billed.get(key) ?? 0,
    async stop() {
      for (const c of made) c.destroy();
      await part.stop();
    },
  };
}
