import type { CallRecorder } from './calls.js';
import type { Check } from './check.js';
import type { DeploymentConfig } from './config.js';
import type { Finding, GroupId } from './model.js';
import type { AwsClients } from '../clients/aws.js';

/** What a collector gets: configuration, clients, the clock, the deadline and the call recorder. */
export interface CollectContext {
  deployment: DeploymentConfig;
  aws: AwsClients;
  calls: CallRecorder;
  /** Aborts at the group deadline; pass it to every call and to `settle`. */
  signal: AbortSignal;
  now: Date;
  /**
   * An audit run by hand (the CLI, `auditDeployment`), not by the schedule: reads that scheduled audits
   * make on a cadence to save cost (NAT gateway metrics) are made every time.
   */
  byHand?: boolean;
  /** Progress/debug messages; never pass secrets. */
  log: (message: string) => void;
  /**
   * Per-audit memo shared by all groups: the first caller of a key does the read, later callers (in any
   * group) share its promise. Key reads by service, operation and resource, e.g. `eks:DescribeCluster:coder-prod`.
   */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
}

/** A check group: one collector (all I/O) and the pure checks that evaluate its snapshot. */
export interface CheckGroup<S> {
  id: GroupId;
  /** Why the group does not apply to this deployment (e.g. `database` not configured), or undefined. */
  skipReason(deployment: DeploymentConfig): string | undefined;
  /**
   * Load the collector's code and its client libraries before any clock starts. Loading compiles them
   * synchronously and blocks the event loop (the Kubernetes client: 0.4-0.7 s on a quiet machine, seconds
   * on a loaded one); in one process (the CLI) that would eat the call budget of the groups already
   * reading, so the runner awaits every group's `load` before starting any group. @default nothing to load
   */
  load?(): Promise<unknown>;
  /** Read every fact once, in parallel; never throws for a failed read (failed reads are failed facts). */
  collect(ctx: CollectContext): Promise<S>;
  checks: readonly Check<S>[];
  /**
   * Optional reads after the checks ran, about their findings (e.g. who changed a failing resource): within
   * the group's deadline, best effort (a failure leaves the findings as they are). Returns the findings.
   */
  annotate?(findings: Finding[], ctx: CollectContext): Promise<Finding[]>;
}

/** Identity helper that keeps the snapshot type inferred. */
export function defineGroup<S>(group: CheckGroup<S>): CheckGroup<S> {
  return group;
}
