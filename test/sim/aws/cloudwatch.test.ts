import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  paginateDescribeRouteTables,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../sim/scenario.js';
import { startTwin, type AwsTwin } from './harness.js';

let twin: AwsTwin;
const NAT = 'nat-0a0de000000000a11';
const query = (id: string, metric: string, period = 3600, nat = NAT) => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'AWS/NATGateway',
      MetricName: metric,
      Dimensions: [{ Name: 'NatGatewayId', Value: nat }],
    },
    Period: period,
    Stat: 'Sum',
  },
});
const hour = () => ({ StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date() });

beforeAll(async () => {
  twin = await startTwin(loadScenario('healthy'));
});
afterAll(() => twin.stop());

describe('Twin: CloudWatch GetMetricData (awsJson1_0, query compatible)', () => {
  it('answers the SDK over JSON 1.0 with sums per period, newest first, and nothing for an unknown series', async () => {
    const cw = twin.clients().cloudwatch;
    const out = await cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          query('drops', 'PacketsDropCount', 600),
          query('none', 'ErrorPortAllocation', 3600, 'nat-0123456789abcdef0'),
        ],
        ...hour(),
      }),
    );
    const drops = out.MetricDataResults!.find((r) => r.Id === 'drops')!;
    expect(drops).toMatchObject({ Label: 'PacketsDropCount', StatusCode: 'Complete' });
    expect(drops.Values!.reduce((a, b) => a + b, 0)).toBe(2);
    expect(drops.Timestamps![0]!.getTime()).toBeGreaterThan(drops.Timestamps!.at(-1)!.getTime());
    expect(out.MetricDataResults!.find((r) => r.Id === 'none')).toMatchObject({ Values: [], Timestamps: [] });
    expect(twin.seen('cloudwatch:GetMetricData')).toBe(1);
    // CloudWatch bills GetMetricData per metric requested, not per request.
    expect(twin.billed('cloudwatch:GetMetricData')).toBe(2);
  });

  it('rejects a Period that is not a multiple of 60 and an invalid id, with the query error code', async () => {
    const cw = twin.clients({ aws: { maxAttempts: 1 } }).cloudwatch;
    const bad = cw.send(
      new GetMetricDataCommand({ MetricDataQueries: [query('p', 'ErrorPortAllocation', 61)], ...hour() }),
    );
    await expect(bad).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
      Error: { Code: 'InvalidParameterValue', Type: 'Sender' },
    });
    const badId = cw.send(
      new GetMetricDataCommand({ MetricDataQueries: [query('Ports', 'ErrorPortAllocation')], ...hour() }),
    );
    await expect(badId).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    // A refused request bills nothing.
    expect(twin.billed('cloudwatch:GetMetricData')).toBe(2);
  });
});

describe('Twin: EC2 DescribeNatGateways', () => {
  it('lists the NAT gateways of a VPC, paginated, with their addresses', async () => {
    const ec2 = twin.clients().ec2;
    const out = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: ['vpc-0c0de0000000000a1'] }] }),
    );
    expect(out.NatGateways!.map((g) => [g.NatGatewayId, g.State])).toEqual([
      [NAT, 'available'],
      ['nat-0a0de000000000b22', 'available'],
    ]);
    expect(out.NatGateways![0]!.NatGatewayAddresses![0]).toMatchObject({
      PublicIp: '203.0.113.51',
      IsPrimary: true,
    });
    const none = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }] }),
    );
    expect(none.NatGateways).toEqual([]);
    await expect(
      ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'zone', Values: ['a'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('Twin: EC2 DescribeRouteTables', () => {
  it("lists the VPC's tables with the local route first, and no association for a subnet on the main table", async () => {
    const ec2 = twin.clients().ec2;
    // Two tables a page (the twin's page size): the caller must follow NextToken.
    const tables: RouteTable[] = [];
    for await (const page of paginateDescribeRouteTables(
      { client: ec2 },
      { Filters: [{ Name: 'vpc-id', Values: ['vpc-0c0de0000000000a1'] }] },
    ))
      tables.push(...(page.RouteTables ?? []));
    const out = { RouteTables: tables };
    const byId = new Map(out.RouteTables!.map((t) => [t.RouteTableId!, t]));
    expect([...byId.keys()].sort()).toEqual([
      'rtb-0a0de0000000000a0',
      'rtb-0a0de0000000000a1',
      'rtb-0a0de0000000000b2',
    ]);
    const main = byId.get('rtb-0a0de0000000000a0')!;
    expect(main.Associations).toEqual([expect.objectContaining({ Main: true })]);
    expect(main.Associations![0]!.SubnetId).toBeUndefined();
    const a = byId.get('rtb-0a0de0000000000a1')!;
    expect(a.Associations!.map((x) => [x.SubnetId, x.Main])).toEqual([
      ['subnet-0a0de000000000a11', false],
      ['subnet-0a0de000000000c33', false],
    ]);
    expect(a.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId ?? r.NatGatewayId, r.State])).toEqual([
      ['10.0.0.0/16', 'local', 'active'],
      ['0.0.0.0/0', NAT, 'active'],
    ]);
    // Filtering on a subnet finds only explicit associations.
    const bySubnet = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'association.subnet-id', Values: ['subnet-0a0de000000000d44'] }],
      }),
    );
    expect(bySubnet.RouteTables).toEqual([]);
  });

  it('rejects MaxResults outside 5..100 and an unknown filter, as EC2 does', async () => {
    const ec2 = twin.clients({ aws: { maxAttempts: 1 } }).ec2;
    await expect(ec2.send(new DescribeRouteTablesCommand({ MaxResults: 101 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(
      ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'zone', Values: ['a'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const paged = await ec2.send(new DescribeRouteTablesCommand({ MaxResults: 5 }));
    expect(paged.RouteTables).toHaveLength(2);
    expect(paged.NextToken).toBeDefined();
  });
});

describe('Twin: a NAT gateway deleted under its route (scenario nat-gateway-deleted)', () => {
  it('turns the route into a blackhole', async () => {
    const other = await startTwin(loadScenario('nat-gateway-deleted'));
    try {
      const out = await other
        .clients()
        .ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-0a0de0000000000a1'] }));
      expect(out.RouteTables![0]!.Routes!.at(-1)).toMatchObject({ NatGatewayId: NAT, State: 'blackhole' });
    } finally {
      await other.stop();
    }
  });
});
