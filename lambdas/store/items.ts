import { SEVERITIES, Status, severityRank, type Finding, type Severity } from '../audit/model.js';
import type { AuditSummary } from '../audit/runner.js';
import { FindingState, type StoredFinding } from './types.js';

/** Partition key of every item of one deployment. */
export const deploymentKey = (deployment: string): string => `DEP#${deployment}`;
export const findingKey = (fingerprint: string): string => `FND#${fingerprint}`;
export const RUN_PREFIX = 'RUN#';
export const runKey = (startedAt: string, executionId: string): string =>
  `${RUN_PREFIX}${startedAt}#${executionId}`;
export const executionKey = (executionId: string): string => `EXE#${executionId}`;
/** Sort key of the deployment's debounce gate (written by the workflow's DynamoDB tasks). */
export const GATE_SK = 'GATE';
/** Partition of the deployment registry (lets `list` enumerate deployments without a Scan). */
export const DEPLOYMENTS_PK = 'DEPLOYMENTS';
/** Partition key value of every open finding in the sparse open-by-severity index. */
export const OPEN_PK = 'OPEN';
/** Sort key in the open-by-severity index: most severe first, then deployment, then fingerprint. */
export const openSortKey = (severity: Severity, deployment: string, fp: string): string =>
  `${openSeverityPrefix(severity)}${deployment}#${fp}`;
export const openSeverityPrefix = (severity: Severity): string =>
  `${SEVERITIES.indexOf(severity)}#${severity}#`;

/** A finding item: the stored finding plus its keys (and the index keys while open). */
export interface FindingItem extends StoredFinding {
  pk: string;
  sk: string;
  kind: 'finding';
  gsi1pk?: string;
  gsi1sk?: string;
  /** Epoch seconds: resolved findings expire, open ones never do. */
  expiresAt?: number;
}

/** What a run wrote down once complete: enough to replay its outcome exactly. */
export interface RunItem {
  pk: string;
  sk: string;
  kind: 'run';
  deployment: string;
  executionId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  summary: AuditSummary;
  groupErrors: Record<string, string>;
  /** Group → number of consecutive runs (this one included) in which it failed as a whole. */
  groupFailureStreaks: Record<string, number>;
  changes: {
    opened: string[];
    escalated: Array<{ fingerprint: string; from: Severity }>;
    resolved: string[];
    failingGroups: Array<{ group: string; consecutiveRuns: number; error?: string }>;
  };
  expiresAt: number;
  notifiedAt?: string;
  /**
   * Expired and unmatched mutes of the run (keys compared with the previous run's, and their lines), and
   * whether the lines were part of its changes (alerted).
   */
  mutes?: { keys: string[]; notices: string[]; changed: boolean };
  /** The rendered alert of a run that changed something (set by Aggregate, published by Notify). */
  alert?: { subject: string; text: string; attributes: { severity: string; deployment: string } };
}

/** Maps an execution id to its run item (for `markNotified`, which only knows the execution id). */
export interface ExecutionItem {
  pk: string;
  sk: string;
  kind: 'execution';
  runSk: string;
  expiresAt: number;
}

export interface PlanContext {
  deployment: string;
  executionId: string;
  startedAt: string;
  /** True when the finding's check ran without any error in this run (absence then means healthy). */
  checkRan: boolean;
  /** Epoch seconds at which a finding resolved by this run expires. */
  resolvedExpiresAt: number;
}

export type Change = { kind: 'opened' } | { kind: 'escalated'; from: Severity } | { kind: 'resolved' };

/**
 * The pure state transition of one fingerprint in one run: the item to write, or undefined when nothing
 * is to be written. `prev` is the stored item, `current` this run's finding for the fingerprint.
 * The change it makes is recorded in the item itself (`openedBy`/`escalatedBy`/`resolvedBy`), so
 * `changeOf(item, executionId)` recovers it, also on a replay.
 */
export function planFinding(
  prev: FindingItem | undefined,
  current: Finding | undefined,
  ctx: PlanContext,
): FindingItem | undefined {
  const isOpen = prev?.status === FindingState.Open;
  // A check that could not read its facts (`error`) or did not evaluate (`skipped`) says nothing about a
  // failure it reported before: the open failure stays as it was (never resolved, never replaced).
  const unverified = current?.status === Status.Error || current?.status === Status.Skipped;
  if (prev && isOpen && prev.result === Status.Fail && unverified) {
    return { ...prev, lastRun: ctx.executionId, lastRunAt: ctx.startedAt };
  }
  if (current?.status === Status.Skipped) {
    // Keeps an open `error` item open; opens nothing.
    return prev && isOpen ? { ...prev, lastRun: ctx.executionId, lastRunAt: ctx.startedAt } : undefined;
  }
  if (current && current.status !== Status.Pass) {
    // Re-opened when it was resolved, and also when an open "could not check" becomes a real failure: that
    // failure is new to whoever reads the alert.
    const reopened = !isOpen || (prev?.result === Status.Error && current.status === Status.Fail);
    const escalated =
      !reopened && prev !== undefined && severityRank(current.severity) > severityRank(prev.severity);
    const item: FindingItem = {
      pk: deploymentKey(ctx.deployment),
      sk: findingKey(current.fingerprint),
      kind: 'finding',
      deployment: ctx.deployment,
      fingerprint: current.fingerprint,
      checkId: current.checkId,
      group: current.group,
      status: FindingState.Open,
      result: current.status,
      severity: current.severity,
      resource: current.resource,
      title: current.title,
      detail: current.detail,
      guideSection: current.guideSection,
      ...(current.remediation ? { remediation: current.remediation } : {}),
      ...(current.rootCause ? { rootCause: current.rootCause } : {}),
      ...(current.muted ? { muted: current.muted } : {}),
      ...(current.severityOverride ? { severityOverride: current.severityOverride } : {}),
      firstSeen: prev?.firstSeen ?? ctx.startedAt,
      lastSeen: ctx.startedAt,
      occurrences: (prev?.occurrences ?? 0) + 1,
      lastRun: ctx.executionId,
      lastRunAt: ctx.startedAt,
      openedBy: reopened ? ctx.executionId : (prev?.openedBy ?? ctx.executionId),
      openedAt: reopened ? ctx.startedAt : (prev?.openedAt ?? ctx.startedAt),
      gsi1pk: OPEN_PK,
      gsi1sk: openSortKey(current.severity, ctx.deployment, current.fingerprint),
    };
    // Failing un-muted after a mute (it expired or was removed): new to whoever reads the alert.
    if (!reopened && prev?.muted && !current.muted && current.status === Status.Fail) {
      item.unmutedBy = ctx.executionId;
      item.unmutedAt = ctx.startedAt;
    } else if (!reopened && !current.muted && prev?.unmutedAt) {
      item.unmutedAt = prev.unmutedAt;
    }
    if (escalated && prev) {
      item.escalatedBy = ctx.executionId;
      item.escalatedFrom = prev.severity;
      item.escalatedAt = ctx.startedAt;
    } else if (!reopened && prev?.escalatedBy && prev.escalatedFrom) {
      item.escalatedBy = prev.escalatedBy;
      item.escalatedFrom = prev.escalatedFrom;
      if (prev.escalatedAt) item.escalatedAt = prev.escalatedAt;
    }
    return item;
  }
  const passes = current?.status === Status.Pass || (current === undefined && ctx.checkRan);
  if (!prev || !isOpen || !passes) return undefined;
  const { gsi1pk: _pk, gsi1sk: _sk, expiresAt: _exp, ...rest } = prev;
  return {
    ...rest,
    status: FindingState.Resolved,
    lastRun: ctx.executionId,
    lastRunAt: ctx.startedAt,
    resolvedAt: ctx.startedAt,
    resolvedBy: ctx.executionId,
    expiresAt: ctx.resolvedExpiresAt,
  };
}

/** The change `executionId` made to this item, read back from its markers. */
export function changeOf(item: FindingItem, executionId: string): Change | undefined {
  if (item.lastRun !== executionId) return undefined;
  if (item.status === FindingState.Resolved)
    return item.resolvedBy === executionId ? { kind: 'resolved' } : undefined;
  if (item.openedBy === executionId || item.unmutedBy === executionId) return { kind: 'opened' };
  if (item.escalatedBy === executionId && item.escalatedFrom)
    return { kind: 'escalated', from: item.escalatedFrom };
  return undefined;
}

/** The public view of an item: no keys, no index attributes. */
export function toStoredFinding(item: FindingItem): StoredFinding {
  const { pk: _pk, sk: _sk, kind: _kind, gsi1pk: _gpk, gsi1sk: _gsk, expiresAt: _exp, ...stored } = item;
  return stored;
}

/** A Finding rebuilt from the store (evidence is not stored), for replays whose input lacks it. */
export function toFinding(item: StoredFinding): Finding {
  return {
    checkId: item.checkId,
    group: item.group as Finding['group'],
    status: item.result,
    severity: item.severity,
    resource: item.resource,
    title: item.title,
    detail: item.detail,
    evidence: {},
    ...(item.remediation ? { remediation: item.remediation } : {}),
    guideSection: item.guideSection,
    fingerprint: item.fingerprint,
    ...(item.rootCause ? { rootCause: item.rootCause } : {}),
  };
}

/** Drop `undefined` values (the DocumentClient rejects them unless told otherwise). */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => compact(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, compact(v)]),
    ) as T;
  }
  return value;
}
