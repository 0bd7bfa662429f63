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
  /** A scheduled audit between two reads (`thresholds.natReadEveryHours`): nothing was read. */
  notDue?: { everyHours: number; nextReadAt: string };
}

const HOUR_MS = 3_600_000;

/**
 * Whether a scheduled audit at `now` reads the NAT metrics: in UTC hours divisible by `everyHours` (the
 * hourly schedule hits each once). Undefined when due, else when the next read is.
 */
export function natReadNotDue(now: Date, everyHours: number): NatReading['notDue'] {
  const hour = Math.floor(now.getTime() / HOUR_MS);
  if (everyHours <= 1 || hour % everyHours === 0) return undefined;
  const next = (hour - (hour % everyHours) + everyHours) * HOUR_MS;
  return { everyHours, nextReadAt: new Date(next).toISOString() };
}

/** The AWS/NATGateway metrics read (documented in "Monitor NAT gateways with Amazon CloudWatch"). */
const METRICS = { errorPortAllocation: 'ErrorPortAllocation', packetsDropCount: 'PacketsDropCount' } as const;

/**
 * DescribeNatGateways of the VPC (`network.vpcId`, else the cluster's), then one GetMetricData for every
 * available gateway: the Sum of ErrorPortAllocation and PacketsDropCount over thresholds.natWindowMinutes
 * (one period of the whole window). A scheduled audit reads only every thresholds.natReadEveryHours hours,
 * over at least those hours, and makes no call in between.
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
  const { natWindowMinutes, natReadEveryHours } = ctx.deployment.thresholds;
  const notDue = ctx.byHand ? undefined : natReadNotDue(ctx.now, natReadEveryHours);
  if (notDue) return { vpcId, gateways: [], metrics: {}, windowMinutes: natWindowMinutes, notDue };
  const gateways: NatGateway[] = [];
  const input = { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] };
  for await (const page of paginateDescribeNatGateways({ client: ctx.aws.ec2 }, input, {
    abortSignal: ctx.signal,
  }))
    gateways.push(...(page.NatGateways ?? []));
  // A scheduled read sums the hours since the read before, so that no hour goes unread.
  const windowMinutes = ctx.byHand ? natWindowMinutes : Math.max(natWindowMinutes, natReadEveryHours * 60);
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
