import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeNatGatewaysCommand } from '@aws-sdk/client-ec2';
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
