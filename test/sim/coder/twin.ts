import { SimIam } from '../../../sim/aws/iam.js';
import { SimParameterStore } from '../../../sim/aws/parameters.js';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import type { DeploymentConfig, DeploymentInput } from '../../../lambdas/audit/config.js';
import type { AwsClients } from '../../../lambdas/clients/aws.js';
import { startCoderSim } from '../../../sim/coder/server.js';
import { makeSimSecrets, simTls, type SimEnv, type SimPart } from '../../../sim/env.js';
import { FaultInjector, type Fault } from '../../../sim/faults.js';
import { deepMerge, loadScenario, type Scenario } from '../../../sim/scenario.js';
import { testDeployment } from '../../fixtures/deployment.js';

/** Recognisable prefix of the twin's token in canary assertions. */
export const CANARY = 'CANARYc0de7e57';

/** A running Coder twin, a deployment pointing at it, and a mocked Secrets Manager holding the token. */
export interface Twin {
  env: SimEnv;
  part: SimPart;
  url: string;
  deployment: DeploymentConfig;
  aws: AwsClients;
  calls: CallRecorder;
  faults: FaultInjector;
  /** Switch the twin to `healthy` changed by `coder` (a scenario's coder section) and `faults`. */
  apply(coder?: Record<string, unknown>, faults?: Fault[]): Promise<void>;
  stop(): Promise<void>;
}

/** The `healthy` scenario with its coder section changed by `coder`. */
export function scenarioWith(coder: Record<string, unknown> = {}): Scenario {
  const base = loadScenario('healthy');
  return { ...base, coder: deepMerge(base.coder, coder) as Record<string, unknown> };
}

/** Start the twin; `over` changes the deployment (timeouts...). TLS is verified with the sim CA. */
export async function startTwin(over: Partial<DeploymentInput> = {}): Promise<Twin> {
  const faults = new FaultInjector();
  const env: SimEnv = {
    faults,
    tls: simTls(),
    secrets: makeSimSecrets(CANARY),
    region: 'us-east-1',
    accountId: '123456789012',
    credentials: { accessKeyId: 'AKIASIMULATED0000001', secretAccessKey: 'x' },
    iam: new SimIam({
      ...{ accessKeyId: 'AKIASIMULATED0000001', secretAccessKey: 'x' },
      accountId: '123456789012',
    }),
    parameters: new SimParameterStore(),
    dataDir: '/tmp',
  };
  const part = await startCoderSim(env, scenarioWith(), new Date());
  const fragment = part.config as { coder: DeploymentInput['coder'] & { url: string } };
  const deployment = testDeployment({
    coder: { ...fragment.coder, insecureTls: false },
    timeouts: { callMs: 5_000, groupMs: 8_000 },
    ...over,
  });
  const secrets = new SecretsManagerClient({ region: 'us-east-1' });
  const mock = mockClient(secrets);
  mock.on(GetSecretValueCommand).rejects(
    Object.assign(new Error('Secrets Manager cannot find the specified secret.'), {
      name: 'ResourceNotFoundException',
    }),
  );
  mock
    .on(GetSecretValueCommand, { SecretId: env.secrets.coderTokenSecretId })
    .resolves({ SecretString: env.secrets.coderToken });
  return {
    env,
    part,
    url: fragment.coder.url,
    deployment,
    aws: { region: 'us-east-1', secrets } as unknown as AwsClients,
    calls: new CallRecorder(),
    faults,
    async apply(coder = {}, f = []) {
      await part.apply(scenarioWith(coder), new Date());
      faults.set(f);
    },
    async stop() {
      mock.restore();
      await part.stop();
    },
  };
}
