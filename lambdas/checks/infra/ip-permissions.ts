import type { IpPermission } from '@aws-sdk/client-ec2';

/** The port Aurora PostgreSQL serves on, as in the runbook. */
export const POSTGRES_PORT = 5432;

/** True when the rule admits TCP traffic to `port` (an all-traffic rule, protocol `-1`, included). */
export function coversTcpPort(rule: IpPermission, port: number): boolean {
  const protocol = String(rule.IpProtocol ?? '').toLowerCase();
  if (protocol === '-1' || protocol === 'all') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535);
}

/** Short description of a rule's protocol and ports, e.g. `tcp 5432`, `tcp 0-65535`, `all traffic`. */
export function ruleText(rule: IpPermission): string {
  if (rule.IpProtocol === '-1') return 'all traffic';
  const ports = rule.FromPort === rule.ToPort ? `${rule.FromPort}` : `${rule.FromPort}-${rule.ToPort}`;
  return `${rule.IpProtocol} ${ports}`;
}

/** The IPv4 and IPv6 CIDRs a rule names (prefix lists and security groups excluded). */
function cidrsOf(rule: IpPermission): string[] {
  return [
    ...(rule.IpRanges ?? []).map((r) => r.CidrIp),
    ...(rule.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
  ].filter((c): c is string => !!c);
}

/**
 * What in `rules` admits TCP `port` to or from `peer`: the peer's security group, else the CIDRs of the rules
 * covering the port. Only 0.0.0.0/0 is `verified`: the collector reads no subnet or VPC to match another CIDR.
 */
export function allowedBy(
  rules: IpPermission[],
  port: number,
  peer: string,
): { by: string; verified: boolean; cidrs: string[] } | undefined {
  const covering = rules.filter((r) => coversTcpPort(r, port));
  if (covering.some((r) => (r.UserIdGroupPairs ?? []).some((p) => p.GroupId === peer)))
    return { by: `security group ${peer}`, verified: true, cidrs: [] };
  const all = [...new Set(covering.flatMap(cidrsOf))];
  const cidrs = all.includes('0.0.0.0/0') ? ['0.0.0.0/0'] : all.slice(0, 5);
  if (cidrs.length === 0) return undefined;
  return { by: `CIDR ${cidrs.join(', ')}`, verified: cidrs[0] === '0.0.0.0/0', cidrs };
}
