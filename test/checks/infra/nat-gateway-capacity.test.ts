import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/infra/nat-gateway-capacity.js';
import type { NatReading } from '../../../lambdas/checks/infra/nat.js';
import { deployment, failed, healthySnapshot, IDS, natGateway, NOW } from './fixtures.js';

const A = 'nat-0a0de000000000a11';
const run = (nat: Partial<NatReading>) =>
  evaluateCheck(
    check,
    {
      ...healthySnapshot(),
      nat: known({ vpcId: IDS.vpcId, gateways: [natGateway(A)], metrics: {}, windowMinutes: 60, ...nat }),
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
