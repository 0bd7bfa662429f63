import { paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  paginateDescribeNatGateways,
  paginateDescribeRouteTables,
  type NatGateway,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import type { Cluster } from '@aws-sdk/client-eks';
import type { CollectContext } from '../../audit/group.js';
import { opts, pages } from './pages.js';

/**
 * The NAT gateways the cluster's subnets route through and their AWS/NATGateway error counts over the window.
 */
export interface NatReading {
  vpcId: string;
  /**
   * The gateways on the routes of the cluster's and its node groups' subnets; every gateway of the VPC when
   * those subnets are unknown (`subnets` empty).
   */
  gateways: NatGateway[];
  /** The subnets whose routes were read: the cluster's and its node groups'. */
  subnets: string[];
  /** The subnets routed through each NAT gateway, by gateway id. */
  routedSubnets: Record<string, string[]>;
  /** Routes of those subnets to a NAT gateway that is gone or not available (EC2 route state `blackhole`). */
  blackholes: Array<{ natGatewayId: string; routeTableId: string; destination: string; subnets: string[] }>;
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
 * The NAT gateways the cluster's and its node groups' subnets route through (DescribeRouteTables and
 * DescribeNatGateways of the VPC, `network.vpcId` else the cluster's, in parallel; every gateway of the VPC
 * when those subnets are unknown), then one GetMetricData for every available one of them: the Sum of ErrorPortAllocation and PacketsDropCount over thresholds.natWindowMinutes
 * (one period of the whole window). A scheduled audit reads only every thresholds.natReadEveryHours hours,
 * over at least those hours, and makes no call in between.
 */
export async function readNat(
  ctx: CollectContext,
  cluster: Promise<Cluster | undefined>,
  nodegroupSubnets: Promise<string[]> = Promise.resolve([]),
): Promise<NatReading> {
  const vpcId = ctx.deployment.network.vpcId ?? (await cluster)?.resourcesVpcConfig?.vpcId;
  if (!vpcId)
    throw new Error(
      `VPC unknown: EKS cluster ${ctx.deployment.eks.clusterName} not found; set network.vpcId`,
    );
  const { natWindowMinutes, natReadEveryHours } = ctx.deployment.thresholds;
  const notDue = ctx.byHand ? undefined : natReadNotDue(ctx.now, natReadEveryHours);
  const none = { subnets: [], routedSubnets: {}, blackholes: [] };
  if (notDue) return { vpcId, gateways: [], metrics: {}, windowMinutes: natWindowMinutes, notDue, ...none };
  const subnets = [
    ...new Set([
      ...((await cluster.catch(() => undefined))?.resourcesVpcConfig?.subnetIds ?? []),
      ...(await nodegroupSubnets),
    ]),
  ];
  const [all, tables] = await Promise.all([
    readGateways(ctx, vpcId),
    subnets.length ? readRouteTables(ctx, vpcId) : Promise.resolve([]),
  ]);
  const routes = subnets.length ? routesOf(subnets, tables) : undefined;
  const gateways = routes ? all.filter((g) => g.NatGatewayId! in routes.routedSubnets) : all;
  const scope = { subnets, routedSubnets: routes?.routedSubnets ?? {}, blackholes: routes?.blackholes ?? [] };
  // A scheduled read sums the hours since the read before, so that no hour goes unread.
  const windowMinutes = ctx.byHand ? natWindowMinutes : Math.max(natWindowMinutes, natReadEveryHours * 60);
  const available = gateways.filter((g) => g.State === 'available' && g.NatGatewayId);
  const metrics: NatReading['metrics'] = {};
  if (available.length === 0) return { vpcId, gateways, metrics, windowMinutes, ...scope };
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
  return { vpcId, gateways, metrics, windowMinutes, ...scope };
}

function readGateways(ctx: CollectContext, vpcId: string): Promise<NatGateway[]> {
  const input = { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] };
  return pages(paginateDescribeNatGateways({ client: ctx.aws.ec2 }, input, opts(ctx)), (p) => p.NatGateways);
}

/** Every route table of the VPC: a subnet without an explicit association uses the main one. */
function readRouteTables(ctx: CollectContext, vpcId: string): Promise<RouteTable[]> {
  const input = { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] };
  return pages(paginateDescribeRouteTables({ client: ctx.aws.ec2 }, input, opts(ctx)), (p) => p.RouteTables);
}

/**
 * The NAT gateways each subnet routes through, from its route table (explicitly associated, else the VPC's
 * main table: DescribeRouteTables lists no implicit association), and the routes to a gateway that is gone.
 */
export function routesOf(
  subnets: readonly string[],
  tables: readonly RouteTable[],
): Pick<NatReading, 'routedSubnets' | 'blackholes'> {
  const main = tables.find((t) => t.Associations?.some((a) => a.Main));
  const routedSubnets: Record<string, string[]> = {};
  const holes = new Map<string, NatReading['blackholes'][number]>();
  for (const subnet of subnets) {
    const table = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnet)) ?? main;
    for (const r of table?.Routes ?? []) {
      const nat = r.NatGatewayId;
      if (!nat) continue;
      if (r.State === 'blackhole') {
        const destination = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? '';
        const key = `${table!.RouteTableId} ${nat} ${destination}`;
        const hole = holes.get(key) ?? {
          natGatewayId: nat,
          routeTableId: table!.RouteTableId ?? '',
          destination,
          subnets: [],
        };
        hole.subnets.push(subnet);
        holes.set(key, hole);
      } else (routedSubnets[nat] ??= []).push(subnet);
    }
  }
  return { routedSubnets, blackholes: [...holes.values()] };
}
