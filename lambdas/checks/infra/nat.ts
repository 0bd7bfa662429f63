import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { paginateDescribeNatGateways, type NatGateway } from '@aws-sdk/client-ec2';
import type { Cluster } from '@aws-sdk/client-eks';
import type { CollectContext } from '../../audit/group.js';

/** The NAT gateways of the deployment's VPC and their AWS/NATGateway error counts over the window. */
export interface NatReading {
  vpcId: string;
  gateways: NatGateway[];
  /** Sums over `windowMinutes` by NAT gateway id (available gateways only). */
  metrics: Record<string, { errorPortAllocation: number; packetsDropCount: number }>;
  windowMinutes: number;
}

/** The AWS/NATGateway metrics read (documented in "Monitor NAT gateways with Amazon CloudWatch"). */
const METRICS = { errorPortAllocation: 'ErrorPortAllocation', packetsDropCount: 'PacketsDropCount' } as const;

/**
 * DescribeNatGateways of the VPC (`network.vpcId`, else the cluster's), then one GetMetricData for every
 * available gateway: the Sum of ErrorPortAllocation and PacketsDropCount over thresholds.natWindowMinutes
 * (one period of the whole window).
 */
export async function readNat(
  ctx: CollectContext,
  cluster: Promise<Cluster | undefined>,
): Promise<NatReading> {
  const vpcId = ctx.deployment.network.vpcId ?? (await cluster)?.resourcesVpcConfig?.vpcId;
  if (!vpcId)
    throw new Error(
      `VPC unknown: EKS cluster ${ctx.deployment.eks.clusterName} not found; set network.vpcId`,
    );
  const gateways: NatGateway[] = [];
  const input = { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] };
  for await (const page of paginateDescribeNatGateways({ client: ctx.aws.ec2 }, input, {
    abortSignal: ctx.signal,
  }))
    gateways.push(...(page.NatGateways ?? []));
  const windowMinutes = ctx.deployment.thresholds.natWindowMinutes;
  const available = gateways.filter((g) => g.State === 'available' && g.NatGatewayId);
  const metrics: NatReading['metrics'] = {};
  if (available.length === 0) return { vpcId, gateways, metrics, windowMinutes };
  const queries: MetricDataQuery[] = available.flatMap((g, i) =>
    Object.entries(METRICS).map(([key, name]) => ({
      Id: `${key === 'errorPortAllocation' ? 'ports' : 'drops'}${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/NATGateway',
          MetricName: name,
          Dimensions: [{ Name: 'NatGatewayId', Value: g.NatGatewayId! }],
        },
        Period: windowMinutes * 60,
        Stat: 'Sum',
      },
    })),
  );
  const end = ctx.now;
  const start = new Date(end.getTime() - windowMinutes * 60_000);
  const sums = new Map<string, number>();
  const paginator = paginateGetMetricData(
    { client: ctx.aws.cloudwatch },
    { MetricDataQueries: queries, StartTime: start, EndTime: end },
    { abortSignal: ctx.signal },
  );
  for await (const page of paginator)
    for (const r of page.MetricDataResults ?? [])
      sums.set(r.Id!, (sums.get(r.Id!) ?? 0) + (r.Values ?? []).reduce((a, b) => a + b, 0));
  available.forEach((g, i) => {
    metrics[g.NatGatewayId!] = {
      errorPortAllocation: sums.get(`ports${i}`) ?? 0,
      packetsDropCount: sums.get(`drops${i}`) ?? 0,
    };
  });
  return { vpcId, gateways, metrics, windowMinutes };
}
