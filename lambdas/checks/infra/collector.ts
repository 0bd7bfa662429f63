import {
  paginateDescribeInstanceTypes,
  paginateDescribeSecurityGroups,
  paginateDescribeVpcEndpoints,
  type InstanceTypeInfo,
  type SecurityGroup,
  type VpcEndpoint,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { Cluster, Nodegroup } from '@aws-sdk/client-eks';
import {
  DescribeTargetHealthCommand,
  paginateDescribeTargetGroups,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeEvents,
  type DBCluster,
  type DBInstance,
  type Event as RdsEvent,
} from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand, type ServiceQuota } from '@aws-sdk/client-service-quotas';
import { settle, type Fact } from '../../audit/fact.js';
import type { CollectContext } from '../../audit/group.js';
import { describeCluster, describeNodegroup } from '../../clients/eks.js';

import { readEbs, type EbsUsage } from './ebs.js';
import { readNat, type NatReading } from './nat.js';
import { opts, pages } from './pages.js';
import { VCPU_QUOTA } from './quotas.js';

export { VCPU_QUOTA };

/** Everything the infra checks read: one AWS describe call per resource (or per page), read once per audit. */
export interface InfraSnapshot {
  /** The EKS cluster; `undefined` when it does not exist. */
  cluster: Fact<Cluster | undefined>;
  /** Every configured node group by name; `undefined` for one that does not exist. */
  nodegroups: Fact<Record<string, Nodegroup | undefined>>;
  /** The instance types of all node groups (one DescribeInstanceTypes). */
  instanceTypes: Fact<InstanceTypeInfo[]>;
  /** The DB and node security groups, as far as they exist (one DescribeSecurityGroups). */
  securityGroups: Fact<SecurityGroup[]>;
  /** VPC endpoints of the deployment's VPC (`network.vpcId`, default the cluster's VPC). */
  vpcEndpoints: Fact<{ vpcId: string; endpoints: VpcEndpoint[] }>;
  /** The Aurora cluster; `undefined` when it does not exist. */
  auroraCluster: Fact<DBCluster | undefined>;
  /** The Aurora cluster's member instances. */
  auroraInstances: Fact<DBInstance[]>;
  /** Events of the Aurora cluster and of its member instances within `thresholds.auroraEventWindowMinutes`. */
  auroraEvents: Fact<RdsEvent[]>;
  /** The configured target groups (one DescribeTargetGroups). */
  targetGroups: Fact<TargetGroup[]>;
  /** Target health by configured target group ARN; `undefined` for a target group that does not exist. */
  targetHealth: Fact<Record<string, TargetHealthDescription[] | undefined>>;
  /** The EC2 On-Demand Standard vCPU quota of the region. */
  vcpuQuota: Fact<ServiceQuota>;
  /**
   * NAT gateways on the routes of the cluster's subnets, their port allocation errors and drops over the
   * window, and routes to gateways that are gone.
   */
  nat: Fact<NatReading>;
  /** The EBS storage quota of eks.volumeType and the region's volumes of that type. */
  ebs: Fact<EbsUsage>;
}

/**
 * Read every infra fact once, all in parallel. Each independent read runs in its own call branch; a read that
 * waits for another (DescribeVpcEndpoints for DescribeCluster, DescribeInstanceTypes for DescribeNodegroup) runs in
 * the branch of the read it waits for, so that the call recorder sees the real chains: the longest is 2 (plus pages).
 */
export async function collectInfra(ctx: CollectContext): Promise<InfraSnapshot> {
  const { deployment: d, signal } = ctx;
  const names = unique(d.eks.nodegroups);
  const sgIds = unique([d.network.dbSecurityGroupId, d.network.nodeSecurityGroupId]);
  const branch =
    <T>(read: () => Promise<T>) =>
    () =>
      ctx.calls.branch(read);
  const nodes = ctx.calls.branch(async () => {
    const nodegroups = names.map((n) =>
      shared(describeNodegroup(ctx, n).then((o) => o.nodegroup, notFound('ResourceNotFoundException'))),
    );
    return { nodegroups, instanceTypes: shared(readInstanceTypes(ctx, nodegroups)) };
  });
  // The node groups' subnets (what could be read): the NAT gateways that matter are on their routes.
  const nodegroupSubnets = nodes.then(async ({ nodegroups }) =>
    (await Promise.allSettled(nodegroups)).flatMap((r) =>
      r.status === 'fulfilled' ? (r.value?.subnets ?? []) : [],
    ),
  );
  const eks = ctx.calls.branch(async () => {
    const cluster = shared(
      describeCluster(ctx).then((o) => o.cluster, notFound('ResourceNotFoundException')),
    );
    return {
      cluster,
      vpcEndpoints: shared(readVpcEndpoints(ctx, cluster)),
      nat: shared(readNat(ctx, cluster, nodegroupSubnets)),
    };
  });
  const aurora = shared(ctx.calls.branch(() => readAuroraCluster(ctx)));
  const clusterId = d.aurora.clusterId;
  return awaitAll({
    cluster: settle(`eks:DescribeCluster ${d.eks.clusterName}`, async () => (await eks).cluster, signal),
    nodegroups: settle(
      `eks:DescribeNodegroup ${d.eks.clusterName}/${names.join(',')}`,
      async () => zip(names, await Promise.all((await nodes).nodegroups)),
      signal,
    ),
    instanceTypes: settle('ec2:DescribeInstanceTypes', async () => (await nodes).instanceTypes, signal),
    securityGroups: settle(
      `ec2:DescribeSecurityGroups ${sgIds.join(',')}`,
      branch(() => readSecurityGroups(ctx, sgIds)),
      signal,
    ),
    vpcEndpoints: settle('ec2:DescribeVpcEndpoints', async () => (await eks).vpcEndpoints, signal),
    auroraCluster: settle(`rds:DescribeDBClusters ${clusterId}`, () => aurora, signal),
    auroraInstances: settle(
      `rds:DescribeDBInstances ${clusterId}`,
      branch(() => readAuroraInstances(ctx)),
      signal,
    ),
    auroraEvents: settle(
      `rds:DescribeEvents ${clusterId}`,
      branch(() => readAuroraEvents(ctx, aurora)),
      signal,
    ),
    targetGroups: settle(
      'elbv2:DescribeTargetGroups',
      branch(() => readTargetGroups(ctx)),
      signal,
    ),
    targetHealth: settle(
      'elbv2:DescribeTargetHealth',
      branch(() => readTargetHealth(ctx)),
      signal,
    ),
    vcpuQuota: settle(
      `servicequotas:GetServiceQuota ${VCPU_QUOTA.QuotaCode}`,
      branch(() => readVcpuQuota(ctx)),
      signal,
    ),
    nat: settle(
      'ec2:DescribeRouteTables, ec2:DescribeNatGateways, cloudwatch:GetMetricData',
      async () => (await eks).nat,
      signal,
    ),
    ebs: settle(
      `ec2:DescribeVolumes, servicequotas:GetServiceQuota ebs ${d.eks.volumeType}`,
      branch(() => readEbs(ctx)),
      signal,
    ),
  });
}

/** The Aurora cluster, `undefined` when it does not exist. */
async function readAuroraCluster(ctx: CollectContext): Promise<DBCluster | undefined> {
  const id = ctx.deployment.aurora.clusterId;
  const paginator = paginateDescribeDBClusters(
    { client: ctx.aws.rds },
    { DBClusterIdentifier: id },
    opts(ctx),
  );
  return pages(paginator, (p) => p.DBClusters).then(
    (list) => list.find((c) => c.DBClusterIdentifier === id),
    notFound('DBClusterNotFoundFault'),
  );
}

/** The member instances of the Aurora cluster (filter on the configured id: no wait for DescribeDBClusters). */
function readAuroraInstances(ctx: CollectContext): Promise<DBInstance[]> {
  const input = { Filters: [{ Name: 'db-cluster-id', Values: [ctx.deployment.aurora.clusterId] }] };
  return pages(paginateDescribeDBInstances({ client: ctx.aws.rds }, input, opts(ctx)), (p) => p.DBInstances);
}

/**
 * Events of the cluster and of its members within the window. Instance events are read for the whole region in
 * parallel with DescribeDBClusters and filtered on its members afterwards: no call waits for another.
 */
async function readAuroraEvents(
  ctx: CollectContext,
  aurora: Promise<DBCluster | undefined>,
): Promise<RdsEvent[]> {
  const id = ctx.deployment.aurora.clusterId;
  const Duration = ctx.deployment.thresholds.auroraEventWindowMinutes;
  const client = { client: ctx.aws.rds };
  const [clusterEvents, instanceEvents, db] = await Promise.all([
    pages(
      paginateDescribeEvents(client, { SourceType: 'db-cluster', SourceIdentifier: id, Duration }, opts(ctx)),
      (p) => p.Events,
    ),
    pages(
      paginateDescribeEvents(client, { SourceType: 'db-instance', Duration }, opts(ctx)),
      (p) => p.Events,
    ),
    aurora,
  ]);
  const members = new Set((db?.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier));
  return [...clusterEvents, ...instanceEvents.filter((e) => members.has(e.SourceIdentifier))];
}

/** One DescribeInstanceTypes for every instance type of every node group that could be read. */
async function readInstanceTypes(
  ctx: CollectContext,
  nodegroups: readonly Promise<Nodegroup | undefined>[],
): Promise<InstanceTypeInfo[]> {
  const read = await Promise.allSettled(nodegroups);
  const types = unique(read.flatMap((r) => (r.status === 'fulfilled' ? (r.value?.instanceTypes ?? []) : [])));
  if (types.length === 0) return [];
  const input = { InstanceTypes: types as _InstanceType[] };
  return pages(
    paginateDescribeInstanceTypes({ client: ctx.aws.ec2 }, input, opts(ctx)),
    (p) => p.InstanceTypes,
  );
}

/** One DescribeSecurityGroups for both groups; a filter (not GroupIds) so that a missing group is just absent. */
function readSecurityGroups(ctx: CollectContext, ids: string[]): Promise<SecurityGroup[]> {
  const input = { Filters: [{ Name: 'group-id', Values: ids }] };
  return pages(
    paginateDescribeSecurityGroups({ client: ctx.aws.ec2 }, input, opts(ctx)),
    (p) => p.SecurityGroups,
  );
}

/** Endpoints of `network.vpcId`, or of the cluster's VPC (then one call after DescribeCluster). */
async function readVpcEndpoints(
  ctx: CollectContext,
  cluster: Promise<Cluster | undefined>,
): Promise<{ vpcId: string; endpoints: VpcEndpoint[] }> {
  const vpcId = ctx.deployment.network.vpcId ?? (await cluster)?.resourcesVpcConfig?.vpcId;
  if (!vpcId)
    throw new Error(
      `VPC unknown: EKS cluster ${ctx.deployment.eks.clusterName} not found; set network.vpcId`,
    );
  const input = { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] };
  const endpoints = await pages(
    paginateDescribeVpcEndpoints({ client: ctx.aws.ec2 }, input, opts(ctx)),
    (p) => p.VpcEndpoints,
  );
  return { vpcId, endpoints };
}

/** Every configured target group in one (paginated) DescribeTargetGroups. */
function readTargetGroups(ctx: CollectContext): Promise<TargetGroup[]> {
  const input = { TargetGroupArns: unique(ctx.deployment.nlb.targetGroupArns) };
  return pages(
    paginateDescribeTargetGroups({ client: ctx.aws.elbv2 }, input, opts(ctx)),
    (p) => p.TargetGroups,
  );
}

/** DescribeTargetHealth of every configured target group, in parallel. */
async function readTargetHealth(
  ctx: CollectContext,
): Promise<Record<string, TargetHealthDescription[] | undefined>> {
  const arns = unique(ctx.deployment.nlb.targetGroupArns);
  const health = await Promise.all(
    arns.map((arn) =>
      ctx.aws.elbv2
        .send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), opts(ctx))
        .then((out) => out.TargetHealthDescriptions ?? [], notFound('TargetGroupNotFoundException')),
    ),
  );
  return zip(arns, health);
}

async function readVcpuQuota(ctx: CollectContext): Promise<ServiceQuota> {
  const out = await ctx.aws.quotas.send(new GetServiceQuotaCommand({ ...VCPU_QUOTA }), opts(ctx));
  if (out.Quota?.Value === undefined) throw new Error(`quota ${VCPU_QUOTA.QuotaCode} has no value`);
  return out.Quota;
}

/** Await an object of promises into an object of their values. */
async function awaitAll<T extends Record<string, Promise<unknown>>>(
  facts: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const values = await Promise.all(Object.values(facts));
  return Object.fromEntries(Object.keys(facts).map((k, i) => [k, values[i]])) as {
    [K in keyof T]: Awaited<T[K]>;
  };
}

/** A rejection handler: `undefined` for a "does not exist" error named `name`, rethrow anything else. */
function notFound(name: string): (err: unknown) => undefined {
  return (err) => {
    if (err instanceof Error && err.name === name) return undefined;
    throw err;
  };
}

/** A promise read by several facts: keep it from being reported unhandled when the group is aborted first. */
function shared<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function zip<T>(keys: readonly string[], values: readonly T[]): Record<string, T> {
  return Object.fromEntries(keys.map((k, i) => [k, values[i] as T]));
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
