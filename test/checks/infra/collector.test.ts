import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstanceTypesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../../lambdas/audit/calls.js';
import type { DeploymentConfig } from '../../../lambdas/audit/config.js';
import type { CollectContext } from '../../../lambdas/audit/group.js';
import type { Fact } from '../../../lambdas/audit/fact.js';
import { runAudit } from '../../../lambdas/audit/runner.js';
import { collectInfra, type InfraSnapshot } from '../../../lambdas/checks/infra/collector.js';
import { infraGroup } from '../../../lambdas/checks/infra/index.js';
import { ALL_AWS_CLIENTS } from '../../../lambdas/clients/aws-all.js';
import { createAwsClients } from '../../../lambdas/clients/aws.js';
import {
  IDS,
  NOW,
  SYSTEM_NG,
  WS_NG,
  cluster,
  dbCluster,
  dbInstance,
  deployment,
  healthySnapshot,
  instanceType,
  natGateway,
  nodegroup,
  rdsEvent,
  securityGroup,
  target,
  targetGroup,
  vcpuQuota,
  vpcEndpoint,
} from './fixtures.js';

const eks = mockClient(EKSClient);
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const quotas = mockClient(ServiceQuotasClient);
const cloudwatch = mockClient(CloudWatchClient);
const MOCKS = [eks, ec2, rds, elbv2, quotas, cloudwatch];
/** Make every call of one service fail with AccessDenied. */
const DENY = {
  eks: () => eks.onAnyCommand().rejects(denied()),
  ec2: () => ec2.onAnyCommand().rejects(denied()),
  rds: () => rds.onAnyCommand().rejects(denied()),
  elbv2: () => elbv2.onAnyCommand().rejects(denied()),
  quotas: () => quotas.onAnyCommand().rejects(denied()),
  cloudwatch: () => cloudwatch.onAnyCommand().rejects(denied()),
};

/** Every SDK call made so far, all services. */
function allCalls(): { args: readonly unknown[] }[] {
  return [
    ...eks.calls(),
    ...ec2.calls(),
    ...rds.calls(),
    ...elbv2.calls(),
    ...quotas.calls(),
    ...cloudwatch.calls(),
  ];
}

const WRITER = `${IDS.auroraClusterId}-1`;
/** NextToken of each DescribeVpcEndpoints request, as sent. */
let tokens: (string | undefined)[] = [];

function denied(): Error {
  return Object.assign(new Error('User is not authorized to perform this operation'), {
    name: 'AccessDeniedException',
  });
}

/** A collect context over real SDK clients (their `send` is mocked) with a fresh per-audit memo. */
function context(
  d: DeploymentConfig = deployment(),
  memo = new Map<string, Promise<unknown>>(),
): CollectContext {
  const calls = new CallRecorder();
  return {
    deployment: d,
    aws: createAwsClients(d, calls, ALL_AWS_CLIENTS),
    calls,
    signal: new AbortController().signal,
    now: NOW,
    byHand: true,
    log: () => {},
    once: <T>(key: string, read: () => Promise<T>) => {
      if (!memo.has(key)) memo.set(key, read());
      return memo.get(key) as Promise<T>;
    },
  };
}

function okFields(snap: InfraSnapshot): string[] {
  return Object.entries(snap)
    .filter(([, fact]) => (fact as { ok: boolean }).ok)
    .map(([k]) => k)
    .sort();
}

/** Serve a snapshot's values through the mocked SDK clients. */
function serve(snap: InfraSnapshot): void {
  const v = <T>(f: Fact<T>): T => {
    if (!f.ok) throw new Error(`cannot serve failed fact ${f.name}`);
    return f.value;
  };
  MOCKS.forEach((m) => m.reset());
  eks.on(DescribeClusterCommand).resolves({ cluster: v(snap.cluster) });
  eks
    .on(DescribeNodegroupCommand)
    .callsFake(async (i: { nodegroupName: string }) => ({ nodegroup: v(snap.nodegroups)[i.nodegroupName] }));
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: v(snap.securityGroups) });
  ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: v(snap.vpcEndpoints).endpoints });
  ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: v(snap.instanceTypes) });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [v(snap.auroraCluster) ?? {}] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: v(snap.auroraInstances) });
  rds.on(DescribeEventsCommand, { SourceType: 'db-cluster' }).resolves({ Events: v(snap.auroraEvents) });
  rds.on(DescribeEventsCommand, { SourceType: 'db-instance' }).resolves({ Events: [] });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: v(snap.targetGroups) });
  elbv2.on(DescribeTargetHealthCommand).callsFake(async (i: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions: v(snap.targetHealth)[i.TargetGroupArn],
  }));
  quotas.on(GetServiceQuotaCommand, { ServiceCode: 'ec2' }).resolves({ Quota: v(snap.vcpuQuota) });
  const ebs = v(snap.ebs);
  quotas.on(GetServiceQuotaCommand, { ServiceCode: 'ebs' }).resolves({ Quota: ebs.quota });
  ec2.on(DescribeVolumesCommand).resolves({
    Volumes: Array.from({ length: ebs.volumes }, (_, i) => ({
      VolumeId: `vol-${i}`,
      Size: ebs.usedGiB / ebs.volumes,
    })),
  });
  const nat = v(snap.nat);
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: nat.gateways });
  // One private route table per gateway, associated with the subnets the snapshot routes through it.
  ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: Object.entries(nat.routedSubnets).map(([id, subnets], i) => ({
      RouteTableId: `rtb-0${i}`,
      Associations: subnets.map((s) => ({ SubnetId: s, Main: false })),
      Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: id, State: 'active' }],
    })),
  });
  cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: nat.gateways.flatMap((g, i) => [
      { Id: `ports${i}`, Values: [nat.metrics[g.NatGatewayId!]!.errorPortAllocation] },
      { Id: `drops${i}`, Values: [nat.metrics[g.NatGatewayId!]!.packetsDropCount] },
    ]),
  });
}

beforeEach(() => {
  MOCKS.forEach((m) => m.reset());
  eks.on(DescribeClusterCommand).resolves({ cluster: cluster() });
  eks.on(DescribeNodegroupCommand).callsFake(async (input: { nodegroupName: string }) => ({
    nodegroup: nodegroup(input.nodegroupName, {
      instanceTypes: input.nodegroupName === SYSTEM_NG ? ['m6i.xlarge'] : ['m6i.2xlarge', 'm6i.xlarge'],
    }),
  }));
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [securityGroup(IDS.dbSecurityGroupId), securityGroup(IDS.nodeSecurityGroupId)],
  });
  tokens = [];
  ec2.on(DescribeVpcEndpointsCommand).callsFake(async (input: { NextToken?: string }) => {
    tokens.push(input.NextToken);
    return input.NextToken === 'page-2'
      ? { VpcEndpoints: [vpcEndpoint('logs')] }
      : { VpcEndpoints: [vpcEndpoint('s3'), vpcEndpoint('sts')], NextToken: 'page-2' };
  });
  ec2
    .on(DescribeInstanceTypesCommand)
    .resolves({ InstanceTypes: [instanceType('m6i.xlarge', 4), instanceType('m6i.2xlarge', 8)] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [dbCluster()] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance(WRITER)] });
  rds.on(DescribeEventsCommand, { SourceType: 'db-cluster' }).resolves({ Events: [rdsEvent()] });
  rds.on(DescribeEventsCommand, { SourceType: 'db-instance' }).resolves({
    Events: [
      rdsEvent({ SourceType: 'db-instance', SourceIdentifier: WRITER, Message: 'DB instance restarted' }),
      rdsEvent({
        SourceType: 'db-instance',
        SourceIdentifier: 'someone-elses-db',
        Message: 'DB instance restarted',
      }),
    ],
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup()] });
  elbv2
    .on(DescribeTargetHealthCommand)
    .resolves({ TargetHealthDescriptions: [target('10.0.1.10', 'healthy')] });
  quotas.on(GetServiceQuotaCommand).resolves({ Quota: vcpuQuota(640) });
  quotas.on(GetServiceQuotaCommand, { ServiceCode: 'ebs' }).resolves({
    Quota: { ServiceCode: 'ebs', QuotaCode: 'L-7A658B76', Value: 50 },
  });
  ec2
    .on(DescribeVolumesCommand)
    .callsFake(async (input: { NextToken?: string }) =>
      input.NextToken
        ? { Volumes: [{ Size: 100 }] }
        : { Volumes: [{ Size: 200 }, { Size: 300 }], NextToken: 'v2' },
    );
  ec2.on(DescribeNatGatewaysCommand).resolves({
    NatGateways: [
      natGateway('nat-0a0de000000000a11'),
      natGateway('nat-0a0de000000000b22', { State: 'failed' }),
      natGateway('nat-0a0de000000000c33'),
    ],
  });
  // subnet-0a has no table of its own (the main one: nat a11); subnet-0b routes to b22. The VPC's third
  // gateway is on no route of the cluster: it is not read.
  ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: 'rtb-0main',
        Associations: [{ Main: true }],
        Routes: [
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a0de000000000a11', State: 'active' },
        ],
      },
      {
        RouteTableId: 'rtb-0b',
        Associations: [{ SubnetId: 'subnet-0b', Main: false }],
        Routes: [
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a0de000000000b22', State: 'active' },
        ],
      },
      {
        RouteTableId: 'rtb-0c',
        Associations: [{ SubnetId: 'subnet-0c', Main: false }],
        Routes: [
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a0de000000000c33', State: 'active' },
        ],
      },
    ],
  });
  cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'ports0', Values: [0, 2] },
      { Id: 'drops0', Values: [7] },
    ],
  });
});

afterEach(() => MOCKS.forEach((m) => m.reset()));

describe('Function: collectInfra', () => {
  it('reads each resource once, follows pagination and passes the abort signal', async () => {
    const ctx = context();
    const snap = await collectInfra(ctx);

    expect(okFields(snap)).toHaveLength(13);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
    expect(
      eks
        .commandCalls(DescribeNodegroupCommand)
        .map((c) => c.args[0].input.nodegroupName)
        .sort(),
    ).toEqual([SYSTEM_NG, WS_NG]);
    const sg = ec2.commandCalls(DescribeSecurityGroupsCommand);
    expect(sg).toHaveLength(1);
    expect(sg[0]?.args[0].input.Filters).toEqual([
      { Name: 'group-id', Values: [IDS.dbSecurityGroupId, IDS.nodeSecurityGroupId] },
    ]);
    const types = ec2.commandCalls(DescribeInstanceTypesCommand);
    expect(types).toHaveLength(1);
    expect([...(types[0]?.args[0].input.InstanceTypes ?? [])].sort()).toEqual(['m6i.2xlarge', 'm6i.xlarge']);
    const endpoints = ec2.commandCalls(DescribeVpcEndpointsCommand);
    expect(tokens).toEqual([undefined, 'page-2']);
    expect(endpoints[0]?.args[0].input.Filters).toEqual([{ Name: 'vpc-id', Values: [IDS.vpcId] }]);
    expect(snap.vpcEndpoints).toMatchObject({ ok: true, value: { vpcId: IDS.vpcId } });
    expect(snap.vpcEndpoints.ok && snap.vpcEndpoints.value.endpoints.map((e) => e.VpcEndpointId)).toEqual([
      'vpce-s3',
      'vpce-sts',
      'vpce-logs',
    ]);
    expect(rds.commandCalls(DescribeDBClustersCommand)).toHaveLength(1);
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'db-cluster-id', Values: [IDS.auroraClusterId] },
    ]);
    expect(rds.commandCalls(DescribeEventsCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([
        { SourceType: 'db-cluster', SourceIdentifier: IDS.auroraClusterId, Duration: 60 },
        { SourceType: 'db-instance', Duration: 60 },
      ]),
    );
    expect(snap.auroraEvents.ok && snap.auroraEvents.value.map((e) => e.SourceIdentifier)).toEqual([
      IDS.auroraClusterId,
      WRITER,
    ]);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input.TargetGroupArns).toEqual([
      IDS.targetGroupArn,
    ]);
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1);
    expect(quotas.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([
        { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' },
        { ServiceCode: 'ebs', QuotaCode: 'L-7A658B76' },
      ]),
    );
    // The VPC's route tables and NAT gateways (in parallel), then one GetMetricData for the available
    // gateways on the routes of the cluster's subnets (Sum over the window).
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: [IDS.vpcId] },
    ]);
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0]?.args[0].input.Filter).toEqual([
      { Name: 'vpc-id', Values: [IDS.vpcId] },
    ]);
    const metrics = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]?.args[0].input).toMatchObject({
      StartTime: new Date(NOW.getTime() - 3_600_000),
      EndTime: NOW,
      MetricDataQueries: [
        {
          Id: 'ports0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/NATGateway',
              MetricName: 'ErrorPortAllocation',
              Dimensions: [{ Name: 'NatGatewayId', Value: 'nat-0a0de000000000a11' }],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        },
        { Id: 'drops0', MetricStat: { Metric: { MetricName: 'PacketsDropCount' } } },
      ],
    });
    expect(snap.nat).toMatchObject({
      ok: true,
      value: {
        metrics: { 'nat-0a0de000000000a11': { errorPortAllocation: 2, packetsDropCount: 7 } },
        // subnet-0a by the main table, subnet-0b by its own; nat c33 (subnet-0c's) is not the cluster's.
        routedSubnets: { 'nat-0a0de000000000a11': ['subnet-0a'], 'nat-0a0de000000000b22': ['subnet-0b'] },
        blackholes: [],
      },
    });
    expect(snap.nat.ok && snap.nat.value.gateways.map((g) => g.NatGatewayId)).toEqual([
      'nat-0a0de000000000a11',
      'nat-0a0de000000000b22',
    ]);
    // The gp3 volumes of the region (all pages) and the gp3 storage quota.
    expect(ec2.commandCalls(DescribeVolumesCommand)[0]?.args[0].input).toMatchObject({
      Filters: [{ Name: 'volume-type', Values: ['gp3'] }],
      MaxResults: 500,
    });
    expect(snap.ebs).toMatchObject({ ok: true, value: { usedGiB: 600, volumes: 3, truncated: false } });
    const all = allCalls();
    expect(all).toHaveLength(20);
    for (const call of all) expect(call.args[1]).toMatchObject({ abortSignal: ctx.signal });
  });

  it('starts every independent read before any answer arrives', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    eks.on(DescribeClusterCommand).callsFake(async () => gate.then(() => ({ cluster: cluster() })));
    eks
      .on(DescribeNodegroupCommand)
      .callsFake(async (i: { nodegroupName: string }) =>
        gate.then(() => ({ nodegroup: nodegroup(i.nodegroupName) })),
      );
    const pending = collectInfra(context());
    await new Promise((r) => setImmediate(r));
    const started = allCalls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
    // Every independent read has started (the volume pages, answered at once, follow: their first counts).
    const firstPages = started.filter((op, i) => op !== 'DescribeVolumes' || started.indexOf(op) === i);
    expect(firstPages.sort()).toEqual(
      [
        'DescribeCluster',
        'DescribeNodegroup',
        'DescribeNodegroup',
        'DescribeSecurityGroups',
        'DescribeDBClusters',
        'DescribeDBInstances',
        'DescribeEvents',
        'DescribeEvents',
        'DescribeTargetGroups',
        'DescribeTargetHealth',
        'GetServiceQuota',
        'GetServiceQuota',
        'DescribeVolumes',
      ].sort(),
    );
    release();
    const snap = await pending;
    expect(snap.instanceTypes.ok && snap.vpcEndpoints.ok).toBe(true);
  });

  it('shares EKS reads through ctx.once and skips DescribeVpcEndpoints waits when network.vpcId is set', async () => {
    const memo = new Map<string, Promise<unknown>>([
      [`eks:DescribeCluster:${IDS.clusterName}`, Promise.resolve({ cluster: cluster(), $metadata: {} })],
    ]);
    const d = deployment((c) => (c.network.vpcId = 'vpc-0123456789abcdef0'));
    const snap = await collectInfra(context(d, memo));
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
    expect(snap.cluster).toMatchObject({ ok: true, value: { name: IDS.clusterName } });
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] },
    ]);
    expect(memo.has(`eks:DescribeNodegroup:${IDS.clusterName}/${WS_NG}`)).toBe(true);
  });

  it('turns "does not exist" into undefined values, not failed reads', async () => {
    eks
      .on(DescribeNodegroupCommand, { nodegroupName: WS_NG })
      .rejects(Object.assign(new Error('No node group found'), { name: 'ResourceNotFoundException' }));
    rds
      .on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'DBClusterNotFoundFault' }));
    const snap = await collectInfra(context());
    expect(snap.nodegroups).toMatchObject({ ok: true, value: { [SYSTEM_NG]: { nodegroupName: SYSTEM_NG } } });
    expect(
      snap.nodegroups.ok && WS_NG in snap.nodegroups.value && snap.nodegroups.value[WS_NG],
    ).toBeUndefined();
    expect(snap.auroraCluster).toEqual({ ok: true, value: undefined });
    expect(snap.auroraEvents.ok && snap.auroraEvents.value.map((e) => e.SourceIdentifier)).toEqual([
      IDS.auroraClusterId,
    ]);
  });

  it.each([
    ['ec2', ['ebs', 'instanceTypes', 'nat', 'securityGroups', 'vpcEndpoints']],
    ['cloudwatch', ['nat']],
    ['rds', ['auroraCluster', 'auroraEvents', 'auroraInstances']],
    ['elbv2', ['targetGroups', 'targetHealth']],
    ['quotas', ['ebs', 'vcpuQuota']],
    ['eks', ['cluster', 'nodegroups']],
  ] as const)('AccessDenied on %s fails only that service’s facts', async (service, failing) => {
    DENY[service]();
    const d = deployment((c) => (c.network.vpcId = IDS.vpcId));
    const snap = await collectInfra(context(d));
    const failed = Object.keys(snap).filter((k) => !okFields(snap).includes(k));
    expect(failed.sort()).toEqual([...failing]);
    for (const k of failing)
      expect(snap[k]).toMatchObject({ ok: false, error: expect.stringContaining('AccessDenied') });
  });

  it('without network.vpcId, a failed DescribeCluster also fails the VPC endpoints fact', async () => {
    eks.on(DescribeClusterCommand).rejects(denied());
    const snap = await collectInfra(context());
    expect(snap.vpcEndpoints.ok).toBe(false);
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)).toHaveLength(0);
  });

  it('collects exactly the snapshot the SDK serves', async () => {
    serve(healthySnapshot());
    expect(await collectInfra(context())).toEqual(healthySnapshot());
  });
});

describe('Group: infra', () => {
  it('passes every check on a healthy deployment', async () => {
    serve(healthySnapshot());
    const d = deployment();
    const report = await runAudit({
      deployment: d,
      groups: [infraGroup],
      aws: context(d).aws,
      now: () => NOW,
    });
    expect(report.findings.filter((f) => f.status !== 'pass')).toEqual([]);
    expect(new Set(report.findings.map((f) => f.checkId))).toEqual(
      new Set(infraGroup.checks.map((c) => c.meta.id)),
    );
  });
});
