import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/infra/nat-gateway-capacity.js';
import type { RouteTable } from '@aws-sdk/client-ec2';
import { routesOf, type NatReading } from '../../../lambdas/checks/infra/nat.js';
import { deployment, failed, healthySnapshot, IDS, natGateway, NOW } from './fixtures.js';

const A = 'nat-0a0de000000000a11';
const run = (nat: Partial<NatReading>) =>
  evaluateCheck(
    check,
    {
      ...healthySnapshot(),
      nat: known({
        vpcId: IDS.vpcId,
        gateways: [natGateway(A)],
        metrics: {},
        windowMinutes: 60,
        subnets: [],
        routedSubnets: {},
        blackholes: [],
        ...nat,
      }),
    },
    deployment(),
    NOW,
  );

describe('Check: nat-gateway-capacity', () => {
  it('Compliance', () => {
    const findings = evaluateCheck(check, healthySnapshot(), deployment(), NOW);
    expect(findings.map((f) => [f.resource, f.status])).toEqual([
      [A, 'pass'],
      ['nat-0a0de000000000b22', 'pass'],
    ]);
    // No available NAT gateway: traffic leaves through VPC endpoints only.
    expect(run({ gateways: [natGateway(A, { State: 'deleted' })] })[0]).toMatchObject({
      status: 'pass',
      resource: IDS.vpcId,
    });
  });

  it('Noncompliance 1: any port allocation error', () => {
    const [f] = run({ metrics: { [A]: { errorPortAllocation: 312, packetsDropCount: 5 } } });
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'port-exhaustion',
      severity: 'high',
      evidence: { errorPortAllocation: 312 },
    });
    expect(f!.remediation!.commands).toContain(
      `aws ec2 associate-nat-gateway-address --nat-gateway-id ${A} --allocation-ids "$ALLOCATION"`,
    );
  });

  it('Noncompliance 2: drops above the threshold', () => {
    expect(run({ metrics: { [A]: { errorPortAllocation: 0, packetsDropCount: 1001 } } })[0]).toMatchObject({
      reason: 'packet-drops',
      severity: 'medium',
    });
    expect(run({ metrics: { [A]: { errorPortAllocation: 0, packetsDropCount: 1000 } } })[0]!.status).toBe(
      'pass',
    );
  });

  it("Noncompliance 3: a route of the cluster's subnets to a gateway that is gone, with the fix", () => {
    const hole = {
      natGatewayId: 'nat-0a0de00000000dead',
      routeTableId: 'rtb-0a0de0000000000a1',
      destination: '0.0.0.0/0',
      subnets: ['subnet-0a', 'subnet-0c'],
    };
    const [f, g] = run({ blackholes: [hole] });
    expect(f).toMatchObject({
      status: 'fail',
      reason: 'blackhole-route',
      severity: 'high',
      resource: hole.routeTableId,
      evidence: hole,
    });
    expect(f!.detail).toContain(
      'sends 0.0.0.0/0 of subnet-0a, subnet-0c to NAT gateway nat-0a0de00000000dead',
    );
    expect(f!.remediation!.commands!.at(-1)).toBe(
      'aws ec2 replace-route --route-table-id rtb-0a0de0000000000a1 --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$NAT_GATEWAY_ID"',
    );
    // The gateways still on the routes are evaluated as before.
    expect(g).toMatchObject({ status: 'pass', resource: A });
    // Only the blackhole when no gateway is left on the routes (no "nothing to run out of ports" pass).
    expect(run({ gateways: [], blackholes: [hole], subnets: ['subnet-0a'] }).map((x) => x.reason)).toEqual([
      'blackhole-route',
    ]);
  });

  it("passes with no NAT gateway on the routes of the cluster's subnets, naming them", () => {
    const [f] = run({ gateways: [], subnets: ['subnet-0a', 'subnet-0b'] });
    expect(f).toMatchObject({ status: 'pass', resource: IDS.vpcId });
    expect(f!.detail).toContain('on the routes of subnet-0a, subnet-0b');
  });

  it('Error when the gateways or their metrics could not be read', () => {
    const findings = evaluateCheck(
      check,
      { ...healthySnapshot(), nat: failed('ec2:DescribeNatGateways') },
      deployment(),
      NOW,
    );
    expect(findings[0]!.status).toBe('error');
  });
});

describe('Function: routesOf', () => {
  const nat = (id: string, state: 'active' | 'blackhole' = 'active') => ({
    DestinationCidrBlock: '0.0.0.0/0',
    NatGatewayId: id,
    State: state,
  });
  const tables: RouteTable[] = [
    { RouteTableId: 'rtb-main', Associations: [{ Main: true }], Routes: [nat('nat-main')] },
    { RouteTableId: 'rtb-b', Associations: [{ SubnetId: 'subnet-b', Main: false }], Routes: [nat('nat-b')] },
    {
      RouteTableId: 'rtb-c',
      Associations: [
        { SubnetId: 'subnet-c', Main: false },
        { SubnetId: 'subnet-d', Main: false },
      ],
      Routes: [
        { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
        nat('nat-gone', 'blackhole'),
      ],
    },
  ];

  it("takes a subnet's own table, else the main one (DescribeRouteTables lists no implicit association)", () => {
    expect(routesOf(['subnet-a', 'subnet-b'], tables)).toEqual({
      routedSubnets: { 'nat-main': ['subnet-a'], 'nat-b': ['subnet-b'] },
      blackholes: [],
    });
  });

  it('groups the subnets of a blackhole route by table and gateway, and routes none through it', () => {
    expect(routesOf(['subnet-c', 'subnet-d', 'subnet-b'], tables)).toEqual({
      routedSubnets: { 'nat-b': ['subnet-b'] },
      blackholes: [
        {
          natGatewayId: 'nat-gone',
          routeTableId: 'rtb-c',
          destination: '0.0.0.0/0',
          subnets: ['subnet-c', 'subnet-d'],
        },
      ],
    });
    // No main table and no table of its own: no route to read.
    expect(routesOf(['subnet-x'], tables.slice(1))).toEqual({ routedSubnets: {}, blackholes: [] });
  });
});
