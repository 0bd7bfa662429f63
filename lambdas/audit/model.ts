import { createHash } from 'node:crypto';

/** Outcome of one check on one resource. */
export const Status = { Fail: 'fail', Pass: 'pass', Error: 'error' } as const;
export type Status = (typeof Status)[keyof typeof Status];

export const Severity = {
  Critical: 'critical',
  High: 'high',
  Medium: 'medium',
  Low: 'low',
  Info: 'info',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Severities from most to least severe. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Numeric rank: higher is more severe. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s);
}

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) >= severityRank(threshold);
}

/** Check groups: the unit of deployment and of IAM. */
export const GroupId = { Infra: 'infra', Cluster: 'cluster', Database: 'database', Coder: 'coder' } as const;
export type GroupId = (typeof GroupId)[keyof typeof GroupId];
export const GROUP_IDS: readonly GroupId[] = ['infra', 'cluster', 'database', 'coder'];

/** What to do about a finding: prose plus commands filled with real ids. */
export interface Remediation {
  text: string;
  commands: string[];
}

/**
 * An accepted risk: the configured mute a failing finding matched. A muted finding is still reported (listed
 * apart) but does not count for `--fail-on`; it counts again once `until` has passed.
 */
export interface Mute {
  /** The mute's `expires` value: a date (muted through that day, UTC) or a date-time. */
  until: string;
  /** Who owns the accepted risk (the mute's `owner`). */
  by: string;
  /** Why it is accepted (the mute's `reason`). */
  because: string;
}

/** A finding is data, not prose. Stable, documented JSON shape of the CLI and the store. */
export interface Finding {
  checkId: string;
  group: GroupId;
  status: Status;
  severity: Severity;
  /** ARN, AWS id, or a Kubernetes reference such as `k8s:coder-ws/pod/ws-1`. */
  resource: string;
  title: string;
  detail: string;
  /** Small, redacted facts that support the finding. */
  evidence: Record<string, unknown>;
  remediation?: Remediation;
  /** Heading of the runbook section the check comes from. */
  guideSection: string;
  /** Stable across runs: hash of check id, resource and discriminator. */
  fingerprint: string;
  /** Set by aggregation: fingerprint of the finding this one is a symptom of. */
  rootCause?: string;
  /** Set by the configured mutes: an accepted risk, listed apart and not counted for `--fail-on`. */
  muted?: Mute;
  /** Set by a configured severity override: the check's own severity and why it was changed. */
  severityOverride?: { from: Severity; because: string };
}

/** Stable fingerprint for a (check, resource, discriminator) triple. */
export function fingerprint(checkId: string, resource: string, key = ''): string {
  return createHash('sha256').update(`${checkId}\u0000${resource}\u0000${key}`).digest('hex').slice(0, 20);
}

/** Quote a value for a POSIX shell command line (only when it needs it). */
export function shq(value: string | number): string {
  const s = String(value);
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
