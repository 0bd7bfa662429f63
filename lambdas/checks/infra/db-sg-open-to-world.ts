import { defineCheck, type FindingInput } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { InfraSnapshot } from './collector.js';
import { POSTGRES_PORT, coversTcpPort, ruleText } from './ip-permissions.js';
import { INFRA_META } from './meta.js';

/** Compliant when no ingress rule of the DB security group opens TCP 5432 to 0.0.0.0/0 or ::/0. */
export default defineCheck<InfraSnapshot>(INFRA_META['db-sg-open-to-world'], (snap, { deployment }) => {
  const sg = deployment.network.dbSecurityGroupId;
  const group = need(snap.securityGroups).find((g) => g.GroupId === sg);
  if (!group) {
    return [
      {
        status: 'error',
        resource: sg,
        detail: `DB security group ${sg} does not exist (see db-sg-allows-nodes).`,
      },
    ];
  }
  const open = (group.IpPermissions ?? [])
    .filter((r) => coversTcpPort(r, POSTGRES_PORT))
    .flatMap((r) => [
      ...(r.IpRanges ?? [])
        .filter((x) => x.CidrIp === '0.0.0.0/0')
        .map(() => ({ rule: r, cidr: '0.0.0.0/0' })),
      ...(r.Ipv6Ranges ?? []).filter((x) => x.CidrIpv6 === '::/0').map(() => ({ rule: r, cidr: '::/0' })),
    ]);
  if (open.length === 0) {
    return [
      {
        status: 'pass',
        resource: sg,
        detail: `${sg} does not open port ${POSTGRES_PORT} to the internet.`,
        evidence: { groupId: sg },
      },
    ];
  }
  const commands = open.map(({ rule, cidr }) => {
    const all = rule.IpProtocol === '-1';
    if (cidr === '0.0.0.0/0') {
      const ports = all
        ? '--protocol -1'
        : `--protocol ${rule.IpProtocol} --port ${rule.FromPort === rule.ToPort ? rule.FromPort : `${rule.FromPort}-${rule.ToPort}`}`;
      return `aws ec2 revoke-security-group-ingress --group-id ${shq(sg)} ${ports} --cidr 0.0.0.0/0`;
    }
    const ports = all
      ? 'IpProtocol=-1'
      : `IpProtocol=${rule.IpProtocol},FromPort=${rule.FromPort},ToPort=${rule.ToPort}`;
    return `aws ec2 revoke-security-group-ingress --group-id ${shq(sg)} --ip-permissions ${shq(`${ports},Ipv6Ranges=[{CidrIpv6=::/0}]`)}`;
  });
  const finding: FindingInput = {
    status: 'fail',
    reason: 'open-to-world',
    resource: sg,
    detail: `${sg} admits ${open.map(({ rule, cidr }) => `${ruleText(rule)} from ${cidr}`).join(', ')}.`,
    evidence: { groupId: sg, open: open.map(({ rule, cidr }) => ({ rule: ruleText(rule), cidr })) },
    remediation: {
      text: 'Revoke the world-open rules; admit the node security group only (see db-sg-allows-nodes).',
      commands,
    },
  };
  return [finding];
});
