/** Canonical ids of the simulated deployment; scenarios describe resources with these ids. */
export const SIM_IDS = {
  region: 'us-east-1',
  accountId: '123456789012',
  clusterName: 'coder-prod',
  nodegroups: ['coder-prod-system', 'coder-prod-ws'],
  workspaceNodegroups: ['coder-prod-ws'],
  auroraClusterId: 'coder-prod-aurora',
  vpcId: 'vpc-0c0de0000000000a1',
  dbSecurityGroupId: 'sg-0db0000000000001a',
  nodeSecurityGroupId: 'sg-0e0de0000000000b2',
  targetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder-prod-coderd/0123456789abcdef',
  requiredVpcEndpoints: ['ecr.api', 'ecr.dkr', 's3', 'sts', 'logs', 'secretsmanager'],
  coderdPort: 8080,
} as const;

/** The deployment configuration of the sim before its parts add their endpoints. */
export function baseSimDeployment(): Record<string, unknown> {
  return {
    id: 'sim',
    aws: { region: SIM_IDS.region },
    eks: {
      clusterName: SIM_IDS.clusterName,
      nodegroups: [...SIM_IDS.nodegroups],
      workspaceNodegroups: [...SIM_IDS.workspaceNodegroups],
    },
    aurora: { clusterId: SIM_IDS.auroraClusterId },
    network: {
      dbSecurityGroupId: SIM_IDS.dbSecurityGroupId,
      nodeSecurityGroupId: SIM_IDS.nodeSecurityGroupId,
      requiredVpcEndpoints: [...SIM_IDS.requiredVpcEndpoints],
    },
    nlb: { targetGroupArns: [SIM_IDS.targetGroupArn] },
    coderd: { port: SIM_IDS.coderdPort },
    timeouts: { callMs: 2_000, groupMs: 8_000 },
    // The sim shares a loaded test box: a latency threshold below the call timeout would make a healthy
    // deployment fail by chance. Only a latency fault (or a scenario that lowers them) makes a check slow.
    // Scheduled audits of the sim read the NAT metrics every run (the default is every 6 hours, by the UTC
    // hour): what a local workflow run finds must not depend on the hour it runs. The benchmark's cost model
    // scales the metrics it measured by the default cadence.
    thresholds: {
      healthzLatencyWarnMs: 2_000,
      dbLatencyWarnMs: 2_000,
      apiLatencyWarnMs: 2_000,
      natReadEveryHours: 1,
    },
  };
}
