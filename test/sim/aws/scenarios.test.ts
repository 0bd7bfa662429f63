import { describe, expect, it } from 'vitest';
import { parseAwsState } from '../../../sim/aws/model.js';
import { startAwsSim } from '../../../sim/aws/server.js';
import { SIM_IDS } from '../../../sim/deployment.js';
import { deepMerge, listScenarios, loadScenario, type Scenario } from '../../../sim/scenario.js';
import { simEnv } from './harness.js';

/** The infra check ids the AWS scenarios may expect to fail. */
const INFRA_CHECKS = [
  'eks-cluster-active',
  'eks-access-entries-enabled',
  'nodegroup-health',
  'nodegroup-capacity',
  'aurora-cluster-available',
  'aurora-recent-events',
  'db-sg-allows-nodes',
  'db-sg-open-to-world',
  'vpc-endpoints-available',
  'nlb-targets-healthy',
  'nlb-health-check-config',
  'ec2-vcpu-quota',
];

const AWS_SCENARIOS = {
  'db-sg-missing-5432': ['db-sg-allows-nodes'],
  'db-sg-open-to-world': ['db-sg-open-to-world'],
  'nodegroup-at-max': ['nodegroup-capacity'],
  'nodegroup-degraded': ['nodegroup-health'],
  'aurora-failover': ['aurora-recent-events'],
  'vpc-endpoint-missing': ['vpc-endpoints-available'],
  'targets-unhealthy': ['nlb-targets-healthy'],
  'healthcheck-wrong-path': ['nlb-health-check-config', 'nlb-targets-healthy'],
  'vcpu-quota-exhausted': ['ec2-vcpu-quota'],
};

const withAws = (base: Scenario, aws: unknown): Scenario => ({
  ...base,
  name: 'test-broken',
  aws: deepMerge(base.aws, aws) as Record<string, unknown>,
});

describe('Sim: AWS scenarios', () => {
  it.each(listScenarios())('scenario %s has a valid aws section', (name) => {
    const s = loadScenario(name);
    expect(() => parseAwsState(s.aws, s.name)).not.toThrow();
  });

  it('healthy serves every resource the deployment names', () => {
    const state = parseAwsState(loadScenario('healthy').aws, 'healthy');
    expect(Object.keys(state.eks!.nodegroups)).toEqual([...SIM_IDS.nodegroups]);
    // The database SG admits PostgreSQL from the nodes; the node SG admits coderd traffic from the VPC.
    expect(state.ec2.securityGroups[SIM_IDS.dbSecurityGroupId]).toMatchObject({
      vpcId: SIM_IDS.vpcId,
      ingress: {
        'postgres-from-nodes': {
          protocol: 'tcp',
          fromPort: 5432,
          toPort: 5432,
          sourceGroups: [SIM_IDS.nodeSecurityGroupId],
          cidrs: [],
        },
      },
    });
    expect(state.ec2.securityGroups[SIM_IDS.nodeSecurityGroupId]).toMatchObject({
      vpcId: SIM_IDS.vpcId,
      ingress: {
        'coderd-from-vpc': {
          protocol: 'tcp',
          fromPort: SIM_IDS.coderdPort,
          toPort: SIM_IDS.coderdPort,
          cidrs: ['10.0.0.0/16'],
        },
      },
    });
    expect(
      Object.values(state.ec2.vpcEndpoints)
        .map((e) => e.service)
        .sort(),
    ).toEqual([...SIM_IDS.requiredVpcEndpoints].sort());
    expect(state.elbv2.targetGroups[SIM_IDS.targetGroupArn]?.port).toBe(SIM_IDS.coderdPort);
    const vcpus = Object.values(state.eks!.nodegroups).reduce(
      (sum, ng) =>
        sum +
        ng.scalingConfig.maxSize *
          Math.max(...ng.instanceTypes!.map((t) => state.ec2.instanceTypes[t]!.vcpus)),
      0,
    );
    expect(vcpus).toBe(168);
    expect(vcpus).toBeLessThan(state.quotas['L-1216C47A']!.value * 0.9);
  });

  it.each(Object.entries(AWS_SCENARIOS))('%s extends healthy and expects exactly %j', (name, failing) => {
    const s = loadScenario(name);
    expect(s.expect.failing).toEqual(failing);
    expect(failing.every((id) => INFRA_CHECKS.includes(id))).toBe(true);
  });

  it('vcpu-quota-exhausted puts the node groups above 90% of the quota', () => {
    const state = parseAwsState(loadScenario('vcpu-quota-exhausted').aws, 'vcpu-quota-exhausted');
    expect(state.quotas['L-1216C47A']!.value).toBe(64);
  });

  it('reports every invalid field with its path', () => {
    const base = loadScenario('healthy');
    const broken = withAws(base, {
      eks: { nodegroups: { 'coder-prod-ws': { scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 6 } } } },
      ec2: { vpcEndpoints: { 'vpce-0ec7d02c0de0000a2': { state: 'Available' } } },
    });
    expect(() => parseAwsState(broken.aws, broken.name)).toThrow(
      /aws\.eks\.nodegroups\.coder-prod-ws\.scalingConfig: must satisfy minSize <= desiredSize <= maxSize[\s\S]*aws\.ec2\.vpcEndpoints\.vpce-0ec7d02c0de0000a2\.state/,
    );
    const dangling = withAws(base, {
      ec2: { securityGroups: { [SIM_IDS.nodeSecurityGroupId]: null } },
    });
    expect(() => parseAwsState(dangling.aws, dangling.name)).toThrow(
      /source group sg-0e0de0000000000b2 is not defined/,
    );
  });

  it('start and apply refuse an invalid scenario', async () => {
    const base = loadScenario('healthy');
    const broken = withAws(base, { quotas: { 'L-1216C47A': { value: -1 } } });
    await expect(startAwsSim(simEnv(), broken, new Date())).rejects.toThrow(/aws\.quotas\.L-1216C47A\.value/);
    const part = await startAwsSim(simEnv(), base, new Date());
    try {
      await expect(part.apply(broken, new Date())).rejects.toThrow(
        /invalid aws section of scenario "test-broken"/,
      );
    } finally {
      await part.stop();
    }
  });
});
