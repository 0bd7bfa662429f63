import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq, SkipReason } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { INFRA_META } from './meta.js';

/** Compliant when no available NAT gateway of the VPC had a port allocation error or many drops in the window. */
export default defineCheck<InfraSnapshot>(INFRA_META['nat-gateway-capacity'], (snap, { deployment: d }) => {
  const { vpcId, gateways, metrics, windowMinutes, notDue } = need(snap.nat);
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
  const available = gateways.filter((g) => g.State === 'available' && g.NatGatewayId);
  if (available.length === 0) {
    const detail = `No available NAT gateway in ${vpcId}: nothing to run out of ports (traffic leaves through VPC endpoints only).`;
    return [{ status: 'pass', resource: vpcId, detail, evidence: { gateways: gateways.length } }];
  }
  return available.map((g): FindingInput => {
    const id = g.NatGatewayId!;
    const m = metrics[id] ?? { errorPortAllocation: 0, packetsDropCount: 0 };
    const evidence = {
      ...m,
      windowMinutes,
      subnetId: g.SubnetId,
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
  });
});
