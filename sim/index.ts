import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type DeploymentConfig } from '../lambdas/audit/config.js';
import type { GroupId } from '../lambdas/audit/model.js';
import { SimIam } from './aws/iam.js';
import { SimParameterStore } from './aws/parameters.js';
import { startAwsSim } from './aws/server.js';
import { startCoderSim } from './coder/server.js';
import { baseSimDeployment, SIM_IDS } from './deployment.js';
import { makeSimSecrets, simTls, type SimEnv, type SimPart, type SimSecrets } from './env.js';
import { FaultInjector } from './faults.js';
import { startKubeSim } from './kube/server.js';
import { startPostgresSim } from './postgres/server.js';
import { deepMerge, loadScenario, type Scenario } from './scenario.js';

export interface SimOptions {
  /** Scenario name or file (default `healthy`), or an already loaded scenario. */
  scenario?: string | Scenario;
  /** Which parts to start; default all. The AWS twin always runs. */
  groups?: readonly GroupId[];
  /** Recognisable prefix of the generated secrets (the canary tests set it). */
  canary?: string;
}

/** A running simulated Coder-on-AWS deployment. */
export interface Sim {
  scenario: Scenario;
  /** Configuration that points the real clients at the sim. */
  deployment: DeploymentConfig;
  faults: FaultInjector;
  secrets: SimSecrets;
  env: SimEnv;
  /** Switch every part to another scenario (state and faults) without restarting. */
  apply(scenario: string | Scenario): Promise<void>;
  /**
   * What the AWS twin has billed so far, per `service:Operation`, in each service's unit (successful requests;
   * CloudWatch GetMetricData: metrics requested). Empty without the AWS part.
   */
  awsBilled(): Record<string, number>;
  stop(): Promise<void>;
}

/** Start the simulated deployment: every part on loopback, in parallel. */
export async function startSim(opts: SimOptions = {}): Promise<Sim> {
  let scenario = typeof opts.scenario === 'object' ? opts.scenario : loadScenario(opts.scenario ?? 'healthy');
  const groups = new Set(opts.groups ?? ['infra', 'cluster', 'database', 'coder']);
  const dataDir = mkdtempSync(join(tmpdir(), 'coder-audit-sim-'));
  const credentials = {
    accessKeyId: 'AKIASIMULATED0000001',
    secretAccessKey: 'simulated/secret/access/key/0000000000',
  };
  const env: SimEnv = {
    faults: new FaultInjector(scenario.faults),
    tls: simTls(),
    secrets: makeSimSecrets(opts.canary),
    region: SIM_IDS.region,
    accountId: SIM_IDS.accountId,
    credentials,
    iam: new SimIam({ ...credentials, accountId: SIM_IDS.accountId }),
    parameters: new SimParameterStore(),
    dataDir,
  };
  const now = new Date();
  const starters: Promise<SimPart>[] = [startAwsSim(env, scenario, now)];
  if (groups.has('cluster')) starters.push(startKubeSim(env, scenario, now));
  if (groups.has('database')) starters.push(startPostgresSim(env, scenario, now));
  if (groups.has('coder')) starters.push(startCoderSim(env, scenario, now));
  const settled = await Promise.allSettled(starters);
  const parts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  const stop = async () => {
    await Promise.allSettled(parts.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  // The Kubernetes API is found the way production finds it: through EKS DescribeCluster.
  const awsPart = parts.find((p) => p.name === 'aws') as
    | (SimPart & {
        setClusterEndpoint?: (url: string, ca: string) => void;
        billed?: ReadonlyMap<string, number>;
      })
    | undefined;
  const kubePart = parts.find((p) => p.name === 'kube' || p.name === 'kubernetes') as
    (SimPart & { url?: string; caPem?: string }) | undefined;
  if (awsPart?.setClusterEndpoint && kubePart?.url && kubePart.caPem)
    awsPart.setClusterEndpoint(kubePart.url, kubePart.caPem);

  const buildDeployment = (s: Scenario): DeploymentConfig => {
    let doc = baseSimDeployment();
    for (const p of parts) doc = deepMerge(doc, p.config) as Record<string, unknown>;
    doc = deepMerge(doc, { aws: { credentials: env.credentials } }) as Record<string, unknown>;
    doc = deepMerge(doc, s.deployment) as Record<string, unknown>;
    return parseConfig(doc, `simulated deployment (scenario ${s.name})`).deployments[0]!;
  };

  const sim: Sim = {
    scenario,
    deployment: buildDeployment(scenario),
    faults: env.faults,
    secrets: env.secrets,
    env,
    async apply(next) {
      scenario = typeof next === 'object' ? next : loadScenario(next);
      const at = new Date();
      await Promise.all(parts.map((p) => p.apply(scenario, at)));
      env.faults.set(scenario.faults);
      sim.scenario = scenario;
      sim.deployment = buildDeployment(scenario);
    },
    awsBilled: () => Object.fromEntries(awsPart?.billed ?? []),
    stop,
  };
  return sim;
}
