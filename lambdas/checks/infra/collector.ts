import {
  paginateDescribeInstanceTypes,
  paginateDescribeSecurityGroups,
  paginateDescribeVpcEndpoints,
  type InstanceTypeInfo,
  type SecurityGroup,
  type VpcEndpoint,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  type Cluster,
  type DescribeClusterCommandOutput,
  type DescribeNodegroupCommandOutput,
  type Nodegroup,
} from '@aws-sdk/client-eks';
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

/** The Service Quotas quota "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" (vCPUs). */
export const VCPU_QUOTA = { ServiceCode: 'ec2', QuotaCode: 'L-1216C47A' } as const;

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
  /** Target health by configured target group ARN. */
  targetHealth: Fact<Record<string, TargetHealthDescription[]>>;
  /** The EC2 On-Demand Standard vCPU quota of the region. */
  vcpuQuota: Fact<ServiceQuota>;
}

/** DescribeCluster, shared with the other groups through `ctx.once` (the memo holds the SDK output). */
export function describeCluster(ctx: CollectContext): Promise<DescribeClusterCommandOutput> {
  const name = ctx.deployment.eks.clusterName;
  return ctx.once(`eks:DescribeCluster:${name}`, () =>
    ctx.aws.eks.send(new DescribeClusterCommand({ name }), { abortSignal: ctx.signal }),
  );
}

/** DescribeNodegroup, shared with the other groups through `ctx.once` (the memo holds the SDK output). */
export function describeNodegroup(ctx: CollectContext, nodegroup: string): Promise<DescribeNodegroupCommandOutput> {
  const clusterName = ctx.deployment.eks.clusterName;
  return ctx.once(`eks:DescribeNodegroup:${clusterName}/${nodegroup}`, () =>
    ctx.aws.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName: nodegroup }), {
      abortSignal: ctx.signal,
    }),
  );
}

/** Read every infra fact once, all in parallel; the longest chain of dependent calls is 2. */
export async function collectInfra(ctx: CollectContext): Promise<InfraSnapshot> {
  const { deployment: d, aws, signal } = ctx;
  const opts = { abortSignal: signal };
  const clusterId = d.aurora.clusterId;
  const nodegroupNames = unique(d.eks.nodegroups);
  const targetGroupArns = unique(d.nlb.targetGroupArns);
  const duration = d.thresholds.auroraEventWindowMinutes;

  const cluster = shared(
    describeCluster(ctx).then(
      (out) => out.cluster,
      (err: unknown) => missing(err, 'ResourceNotFoundException'),
    ),
  );
  const nodegroups = nodegroupNames.map((name) =>
    shared(
      describeNodegroup(ctx, name).then(
        (out) => out.nodegroup,
        (err: unknown) => missing(err, 'ResourceNotFoundException'),
      ),
    ),
  );
  const auroraCluster = shared(
    pages(paginateDescribeDBClusters({ client: aws.rds }, { DBClusterIdentifier: clusterId }, opts), (p) => p.DBClusters).then(
      (list) => list.find((c) => c.DBClusterIdentifier === clusterId),
      (err: unknown) => missing(err, 'DBClusterNotFoundFault'),
    ),
  );

  const [
    clusterFact,
    nodegroupsFact,
    instanceTypes,
    securityGroups,
    vpcEndpoints,
    auroraClusterFact,
    auroraInstances,
    auroraEvents,
    targetGroups,
    targetHealth,
    vcpuQuota,
  ] = await Promise.all([
    settle(`eks:DescribeCluster ${d.eks.clusterName}`, () => cluster, signal),
    settle(
      `eks:DescribeNodegroup ${d.eks.clusterName}/${nodegroupNames.join(',')}`,
      async () => Object.fromEntries(nodegroupNames.map((n, i) => [n, undefined as Nodegroup | undefined])) &&
        Object.fromEntries(await Promise.all(nodegroupNames.map(async (n, i) => [n, await nodegroups[i]] as const))),
      signal,
    ),
    settle(
      'ec2:DescribeInstanceTypes',
      async () => {
        const read = await Promise.allSettled(nodegroups);
        const types = unique(read.flatMap((r) => (r.status === 'fulfilled' ? (r.value?.instanceTypes ?? []) : [])));
        if (types.length === 0) return [];
        return pages(
          paginateDescribeInstanceTypes({ client: aws.ec2 }, { InstanceTypes: types as _InstanceType[] }, opts),
          (p) => p.InstanceTypes,
        );
      },
      signal,
    ),
    settle(
      `ec2:DescribeSecurityGroups ${d.network.dbSecurityGroupId},${d.network.nodeSecurityGroupId}`,
      () =>
        pages(
          paginateDescribeSecurityGroups(
            { client: aws.ec2 },
            {
              Filters: [
                { Name: 'group-id', Values: unique([d.network.dbSecurityGroupId, d.network.nodeSecurityGroupId]) },
              ],
            },
            opts,
          ),
          (p) => p.SecurityGroups,
        ),
      signal,
    ),
    settle(
      'ec2:DescribeVpcEndpoints',
      async () => {
        const vpcId = d.network.vpcId ?? (await cluster)?.resourcesVpcConfig?.vpcId;
        if (!vpcId) {
          throw new Error(`VPC unknown: set network.vpcId (EKS cluster ${d.eks.clusterName} not found or has no VPC)`);
        }
        const endpoints = await pages(
          paginateDescribeVpcEndpoints({ client: aws.ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }, opts),
          (p) => p.VpcEndpoints,
        );
        return { vpcId, endpoints };
      },
      signal,
    ),
    settle(`rds:DescribeDBClusters ${clusterId}`, () => auroraCluster, signal),
    settle(
      `rds:DescribeDBInstances db-cluster-id=${clusterId}`,
      () =>
        pages(
          paginateDescribeDBInstances(
            { client: aws.rds },
            { Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] },
            opts,
          ),
          (p) => p.DBInstances,
        ),
      signal,
    ),
    settle(
      `rds:DescribeEvents ${clusterId}`,
      async () => {
        const [clusterEvents, instanceEvents, db] = await Promise.all([
          pages(
            paginateDescribeEvents(
              { client: aws.rds },
              { SourceType: 'db-cluster', SourceIdentifier: clusterId, Duration: duration },
              opts,
            ),
            (p) => p.Events,
          ),
          pages(
            paginateDescribeEvents({ client: aws.rds }, { SourceType: 'db-instance', Duration: duration }, opts),
            (p) => p.Events,
          ),
          auroraCluster,
        ]);
        const members = new Set((db?.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier));
        return [...clusterEvents, ...instanceEvents.filter((e) => members.has(e.SourceIdentifier))];
      },
      signal,
    ),
    settle(
      'elbv2:DescribeTargetGroups',
      () =>
        pages(
          paginateDescribeTargetGroups({ client: aws.elbv2 }, { TargetGroupArns: targetGroupArns }, opts),
          (p) => p.TargetGroups,
        ),
      signal,
    ),
    settle(
      'elbv2:DescribeTargetHealth',
      async () =>
        Object.fromEntries(
          await Promise.all(
            targetGroupArns.map(async (arn) => {
              const out = await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }), opts);
              return [arn, out.TargetHealthDescriptions ?? []] as const;
            }),
          ),
        ),
      signal,
    ),
    settle(
      `servicequotas:GetServiceQuota ${VCPU_QUOTA.ServiceCode}/${VCPU_QUOTA.QuotaCode}`,
      async () => {
        const out = await aws.quotas.send(new GetServiceQuotaCommand({ ...VCPU_QUOTA }), opts);
        if (out.Quota?.Value === undefined) throw new Error('the quota has no value');
        return out.Quota;
      },
      signal,
    ),
  ]);
  return {
    cluster: clusterFact,
    nodegroups: nodegroupsFact,
    instanceTypes,
    securityGroups,
    vpcEndpoints,
    auroraCluster: auroraClusterFact,
    auroraInstances,
    auroraEvents,
    targetGroups,
    targetHealth,
    vcpuQuota,
  };
}

/** Concatenate the items of every page. */
async function pages<P, T>(paginator: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of paginator) out.push(...(items(page) ?? []));
  return out;
}

/** `undefined` for a "does not exist" error named in `names`; rethrow anything else. */
function missing(err: unknown, ...names: string[]): undefined {
  if (err instanceof Error && names.includes(err.name)) return undefined;
  throw err;
}

/** A promise read by several facts: keep it from being reported unhandled when the group is aborted first. */
function shared<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
