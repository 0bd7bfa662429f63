import { createHash } from 'node:crypto';

/**
 * Outcome of one check on one resource. `error`: the check could not read its facts. `skipped`: the check
 * did not evaluate, decided from a positive signal (the licence says the feature is off, the configuration
 * leaves it out) or because the auditor's role cannot read it (one finding names the role to grant). Neither
 * `error` nor `skipped` ever resolves an open finding; `skipped` is not a problem (no alert, no exit code).
 */
export const Status = { Fail: 'fail', Pass: 'pass', Error: 'error', Skipped: 'skipped' } as const;
export type Status = (typeof Status)[keyof typeof Status];

/**
 * Why a `skipped` finding did not evaluate: the same few codes for every check (a check's own `reasons` are
 * those of its failures). `not-applicable`: a positive signal says the check does not apply (the licence, the
 * configuration). `role-gap`: the auditor's role cannot read the facts; the causal graph links such findings
 * to the finding that names the role to grant (coder-token-role).
 */
export const SkipReason = { NotApplicable: 'not-applicable', RoleGap: 'role-gap' } as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];
export const SKIP_REASONS: readonly SkipReason[] = ['not-applicable', 'role-gap'];

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

/**
 * Components that remediation commands can go through (`kubectl exec deploy/coder`, the Coder API). A
 * report that finds one of them down (see `DOWN_WHEN` in lambdas/checks/causes.ts) never prints a command
 * that needs it: the finding's `otherwise` route is used, or the fix is marked blocked.
 */
export const Component = {
  /** A running coderd pod (`kubectl exec deploy/<coderd>`). */
  Coderd: 'coderd',
  /** The Coder API through the access URL (`curl <url>/api/v2/...`, the `coder` CLI). */
  CoderApi: 'coder-api',
} as const;
export type Component = (typeof Component)[keyof typeof Component];

/** What to do about a finding: prose plus commands filled with real ids. */
export interface Remediation {
  text: string;
  commands: string[];
  /**
   * Components the commands go through. Resolved when the report is diagnosed (see `diagnose`): when one
   * of them is down, `otherwise` replaces text and commands, or the fix is marked blocked.
   */
  needs?: Component[];
  /** The fix that avoids `needs` (e.g. psql from a one-off pod instead of the coderd pod). */
  otherwise?: { text: string; commands: string[] };
  /** Set by the diagnosis: fingerprint of the finding that says a component the fix needs is down. */
  blockedBy?: string;
  /** Node group resizes behind the commands, reconciled into one size per node group by the diagnosis. */
  scaling?: ScalingPlan[];
  /** The vCPU quota request behind the commands, recomputed by the diagnosis from the reconciled sizes. */
  quota?: QuotaPlan;
}

/** One node group resize that a remediation command performs (`aws eks update-nodegroup-config`). */
export interface ScalingPlan {
  cluster: string;
  nodegroup: string;
  /** The sizes read by the check. */
  current: { minSize: number; maxSize: number; desiredSize: number };
  /** Nodes this finding needs added to the desired size. */
  addNodes: number;
  /** The minimum size this finding needs. */
  minAtLeast: number;
  /** The exact command this plan produced in `commands` (replaced by the reconciled one). */
  command: string;
}

/** The vCPU quota request of ec2-vcpu-quota: what the node groups need at their maximum sizes. */
export interface QuotaPlan {
  /** vCPUs of one node (largest standard instance type), by counted node group. */
  vcpusPerNode: Record<string, number>;
  /** Maximum size by counted node group, as read. */
  maxSizes: Record<string, number>;
  /** The quota itself, in vCPUs. */
  limit: number;
  /** thresholds.vcpuQuotaWarnPercent: the request keeps the need under this share. */
  warnPercent: number;
}

/** A value of a scope key: one, or several (a finding about pods of several workloads). */
export type ScopeValue = string | readonly string[];

/**
 * What a finding concerns, besides its deployment: the keys root-cause rules compare (`same`) or filter on
 * (`where`). Each key is optional; a rule that compares a key links only findings that both set it and
 * share a value. Values are identifiers, never prose.
 */
export interface Scope {
  /** Kubernetes namespace(s). */
  namespace?: ScopeValue;
  /** Kubernetes workload(s): `deployment/<name>` (or `<kind>/<name>`, `pod/<name>` without an owner). */
  workload?: ScopeValue;
  /** Coder component(s): `coderd`, `provisioner`, `workspace`. */
  component?: ScopeValue;
  /** EKS node group name(s). */
  nodegroup?: ScopeValue;
  /** NLB target group ARN(s). */
  targetGroup?: ScopeValue;
  /** VPC endpoint service(s), short form (`ecr.api`, `ecr.dkr`, `s3`). */
  endpoint?: ScopeValue;
  /** Image registry: `ecr` for a private ECR registry of the deployment's region, else its host. */
  registry?: ScopeValue;
}
export type ScopeKey = keyof Scope;
export const SCOPE_KEYS: readonly ScopeKey[] = [
  'namespace',
  'workload',
  'component',
  'nodegroup',
  'targetGroup',
  'endpoint',
  'registry',
];

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

/** A write to a finding's AWS resource, as CloudTrail recorded it. */
export interface ResourceChange {
  /** The caller: userIdentity.arn (an assumed-role session, an IAM user), or the event's user name. */
  principal: string;
  /** ISO time of the event. */
  time: string;
  /** The API action, e.g. `RevokeSecurityGroupIngress`. */
  eventName: string;
  eventId: string;
}

/**
 * Who changed a failing finding's AWS resource recently (CloudTrail management events, writes only):
 * `events` newest first, empty when nothing changed in `hours`; `error` when CloudTrail could not be read.
 */
export interface ChangeHistory {
  /** The CloudTrail resource name looked up (an id, name or ARN). */
  resourceName: string;
  hours: number;
  events: ResourceChange[];
  error?: string;
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
  /**
   * Code of the reason a failing finding reports, declared in its check's `reasons` (e.g. `no-ingress`); on
   * a `skipped` finding, a `SkipReason` (`not-applicable`, `role-gap`).
   */
  reason?: string;
  /** What the finding concerns (namespace, workload, node group...), compared by root-cause rules. */
  scope?: Scope;
  /**
   * Set by aggregation: fingerprint of the finding this one is a symptom of (a failing finding), or that left
   * it unchecked (a `skipped` finding, e.g. the token role it lacks).
   */
  rootCause?: string;
  /** Set by the configured mutes: an accepted risk, listed apart and not counted for `--fail-on`. */
  muted?: Mute;
  /** Set by a configured severity override: the check's own severity and why it was changed. */
  severityOverride?: { from: Severity; because: string };
  /** Set on failing findings of AWS resources: who changed the resource recently (CloudTrail). */
  changes?: ChangeHistory;
}

/** One line for a finding's changes: `changed by <principal> at <time> (<event name>)`, or why not known. */
export function changeLine(c: ChangeHistory): string {
  if (c.error) return `changes not known (CloudTrail: ${c.error})`;
  const [last, ...older] = c.events;
  if (!last) return `no change in ${c.hours} h (CloudTrail)`;
  const more = older.length
    ? `; ${older.length} earlier change${older.length === 1 ? '' : 's'} in ${c.hours} h`
    : '';
  return `changed by ${last.principal} at ${last.time} (${last.eventName})${more}`;
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
