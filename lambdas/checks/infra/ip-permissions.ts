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
