import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq, SkipReason } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/**
 * Compliant when no available NAT gateway on the routes of the cluster's subnets had a port allocation error or
 * many drops in the window, and no such route leads to a gateway that is gone.
 */
export default defineCheck<InfraSnapshot>(INFRA_META['nat-gateway-capacity'], (snap, { deployment: d }) => {
  const { vpcId, gateways, metrics, windowMinutes, notDue, subnets, routedSubnets, blackholes } = need(
    snap.nat,
  );
  if (notDue) {
    const detail =
      `Not read in this scheduled audit: NAT gateway metrics are read every ${notDue.everyHours} hours ` +
      `(thresholds.natReadEveryHours; GetMetricData bills each metric), next at ${notDue.nextReadAt}, over the ` +
      'hours since the last read. What the last read found stays open until then; coder-audit run reads them now.';
    const evidence = { everyHours: notDue.everyHours, nextReadAt: notDue.nextReadAt };
    return [
      {
        status: 'skipped',
        reason: SkipReason.NotApplicable,
        resource: vpcId,
        detail,
        evidence,
        key: 'not-due',
      },
    ];
  }
  const dropsWarn = d.thresholds.natPacketDropsWarn;
  const holes = blackholes.map((h): FindingInput => {
    const detail =
      `Route table ${h.routeTableId} sends ${h.destination} of ${h.subnets.join(', ')} to NAT gateway ` +
      `${h.natGatewayId}, which is gone (blackhole): pulls from registries outside the VPC, provider and ` +
      'package downloads from those subnets are dropped.';
    return {
      status: 'fail',
      reason: 'blackhole-route',
      resource: h.routeTableId,
      detail,
      evidence: { ...h },
      remediation: {
        text:
          'Point the route at an available NAT gateway of the same Availability Zone (or create one), then ' +
          'check that image pulls recover.',
        commands: [
          `aws ec2 describe-route-tables --route-table-ids ${shq(h.routeTableId)}`,
          `NAT_GATEWAY_ID=$(aws ec2 describe-nat-gateways --filter Name=vpc-id,Values=${shq(vpcId)} Name=state,Values=available --query 'NatGateways[0].NatGatewayId' --output text)`,
          `aws ec2 replace-route --route-table-id ${shq(h.routeTableId)} --destination-cidr-block ${shq(h.destination)} --nat-gateway-id "$NAT_GATEWAY_ID"`,
        ],
      },
    };
  });
  const available = gateways.filter((g) => g.State === 'available' && g.NatGatewayId);
  if (available.length === 0) {
    const where = subnets.length ? `on the routes of ${subnets.join(', ')}` : `in ${vpcId}`;
    const detail = `No available NAT gateway ${where}: nothing to run out of ports (traffic leaves through VPC endpoints or an internet gateway).`;
    if (holes.length) return holes;
    return [{ status: 'pass', resource: vpcId, detail, evidence: { gateways: gateways.length, subnets } }];
  }
  return [
    ...holes,
    ...available.map((g): FindingInput => {
      const id = g.NatGatewayId!;
      const m = metrics[id] ?? { errorPortAllocation: 0, packetsDropCount: 0 };
      const evidence = {
        ...m,
        windowMinutes,
        subnetId: g.SubnetId,
        routedSubnets: routedSubnets[id] ?? [],
        publicIp: g.NatGatewayAddresses?.[0]?.PublicIp,
      };
      const window = `in the last ${windowMinutes} minutes`;
      const remediation = {
        text:
          'Spread outbound connections over more source ports: add secondary IP addresses to the NAT gateway ' +
          '(up to 8 addresses, 55,000 ports each per destination), or a gateway per Availability Zone; keep AWS ' +
          'and registry traffic on VPC endpoints.',
        commands: [
          `aws ec2 describe-nat-gateways --nat-gateway-ids ${shq(id)}`,
          `aws cloudwatch get-metric-statistics --namespace AWS/NATGateway --metric-name ErrorPortAllocation --dimensions Name=NatGatewayId,Value=${shq(id)} --statistics Sum --period 300 --start-time "$(date -u -d '-${windowMinutes} minutes' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)"`,
          ...(g.ConnectivityType === 'private'
            ? [
                `aws ec2 assign-private-nat-gateway-address --nat-gateway-id ${shq(id)} --private-ip-address-count 1`,
              ]
            : [
                'ALLOCATION=$(aws ec2 allocate-address --domain vpc --query AllocationId --output text)',
                `aws ec2 associate-nat-gateway-address --nat-gateway-id ${shq(id)} --allocation-ids "$ALLOCATION"`,
              ]),
        ],
      };
      if (m.errorPortAllocation > 0) {
        const detail = `NAT gateway ${id} failed to allocate a source port ${m.errorPortAllocation} times ${window} (ErrorPortAllocation): new connections through it are dropped.`;
        return { status: 'fail', reason: 'port-exhaustion', resource: id, detail, evidence, remediation };
      }
      if (m.packetsDropCount > dropsWarn) {
        const detail = `NAT gateway ${id} dropped ${m.packetsDropCount} packets ${window} (above ${dropsWarn}).`;
        return { status: 'fail', reason: 'packet-drops', resource: id, detail, evidence, remediation };
      }
      const detail = `NAT gateway ${id}: no port allocation error and ${m.packetsDropCount} dropped packets ${window}.`;
      return { status: 'pass', resource: id, detail, evidence };
    }),
  ];
});
