import { CAUSAL_GRAPH } from '../checks/causes.js';
import { mergeCalls, type CallSummary } from './calls.js';
import { linkRootCauses as link, type CausalLink } from './causality.js';
import { diagnose } from './diagnose.js';
import { GuideSection } from './guide.js';
import { SEVERITIES, Status, type Finding, type GroupId } from './model.js';
import { applyMutes, type Policy } from './mutes.js';
import { errorFindingOf, sortFindings, summarize, type AuditReport, type AuditSummary } from './runner.js';
import { groupCheckId, type CheckCatalogue } from '../checks/catalogue.js';

/** What one check-group task returns to the workflow (or what its Catch turns a failure into). */
export interface GroupResult {
  deployment: string;
  group: GroupId;
  findings: Finding[];
  ms: number;
  calls?: CallSummary;
  /** Set when the whole group failed (Lambda error caught by the workflow). */
  error?: string;
  /** Set when the group does not apply to the deployment (e.g. no database configured). */
  skipped?: string;
}

/**
 * An audit merged by Aggregate from its group results: the one report type (`AuditReport`) with what a
 * workflow run always has, its execution and its failed groups.
 */
export type AggregatedAudit = AuditReport &
  Required<Pick<AuditReport, 'executionId' | 'groupErrors' | 'rootCauses' | 'callsByGroup'>>;

export interface AggregateInput {
  deployment: string;
  executionId: string;
  startedAt: string;
  /** @default now */
  finishedAt?: string;
  results: GroupResult[];
  /**
   * Checks of each group, to expand a failed group into one `error` finding per check (e.g. `CATALOGUE`);
   * a group missing from it becomes a single `<group>-group` finding.
   */
  catalogue: CheckCatalogue;
  /** @default () => new Date() */
  now?: () => Date;
  /**
   * The deployment's mutes and overrides (`policyFor(config, deployment)`), applied before the diagnosis
   * at the run's `startedAt`, as `auditDeployment` does.
   */
  policy?: Policy;
}

/** Longest group error text kept: a Lambda error can carry a whole stack trace. */
const MAX_ERROR_CHARS = 500;

/**
 * Merge the group results of one audit. A group that failed as a whole becomes one `error` finding per
 * check of that group (never silence), so the audit always completes; a group whose findings are all
 * `error` (e.g. its collector hit the deadline) also counts as failed as a whole in `groupErrors`.
 * Findings are de-duplicated by fingerprint, sorted, linked to their root causes, and their fixes
 * reconciled (see `diagnose`).
 */
export function aggregate(input: AggregateInput): AggregatedAudit {
  const groupErrors: Record<string, string> = {};
  const groupsSummary: AuditSummary['groups'] = {};
  const calls: Record<string, CallSummary> = {};
  const merged: Finding[] = [];
  for (const r of input.results) {
    let findings = r.findings;
    if (r.error !== undefined) {
      const reason = describeGroupError(r.error);
      groupErrors[r.group] = reason;
      if (findings.length === 0)
        findings = groupErrorFindings(r.group, input.deployment, reason, input.catalogue);
    } else if (findings.length > 0 && findings.every((f) => f.status === Status.Error)) {
      groupErrors[r.group] = describeGroupError(String(findings[0]?.evidence.error ?? findings[0]?.detail));
    }
    merged.push(...findings);
    groupsSummary[r.group] = {
      findings: findings.length,
      ms: r.ms,
      ...(r.skipped !== undefined ? { skipped: r.skipped } : {}),
    };
    if (r.calls) calls[r.group] = r.calls;
  }
  let applied = sortFindings(dedupe(merged));
  let policy: Pick<AuditReport, 'mutes' | 'disabled' | 'notices'> = {};
  if (input.policy) {
    // The clock of the policy is the run's start: a replay of the same execution mutes the same findings.
    const outcome = applyMutes(applied, input.policy, new Date(input.startedAt));
    applied = sortFindings(outcome.findings);
    policy = {
      ...(outcome.notices.length
        ? {
            mutes: { expired: outcome.expired, unmatched: outcome.unmatched, notices: outcome.notices },
            notices: outcome.notices,
          }
        : {}),
      ...(outcome.disabled.length ? { disabled: outcome.disabled } : {}),
    };
  }
  const { findings, rootCauses } = diagnose(applied);
  return {
    deployment: input.deployment,
    executionId: input.executionId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt ?? (input.now?.() ?? new Date()).toISOString(),
    findings,
    rootCauses,
    summary: summarize(findings, groupsSummary),
    calls: mergeCalls(Object.values(calls)),
    groupErrors,
    callsByGroup: calls,
    ...policy,
  };
}

/** One `error` finding per check of a failed group (a single synthetic one if the group is unknown). */
function groupErrorFindings(
  group: GroupId,
  deployment: string,
  reason: string,
  catalogue: CheckCatalogue,
): Finding[] {
  const checks = catalogue[group] ?? [];
  if (checks.length > 0) return checks.map((c) => errorFindingOf(c, deployment, reason));
  const placeholder = {
    id: groupCheckId(group),
    group,
    severity: 'medium',
    title: `Check group ${group} ran`,
    guideSection: GuideSection.CoderLogs,
  } as const;
  return [errorFindingOf(placeholder, deployment, reason)];
}

/**
 * Short, single-line text of a group failure. Step Functions hands a caught Lambda error over as
 * `{"errorType","errorMessage","trace"}` JSON: keep `errorType: errorMessage`, never the trace.
 */
export function describeGroupError(text: string): string {
  let out = text.trim();
  try {
    const parsed = JSON.parse(out) as {
      errorType?: unknown;
      errorMessage?: unknown;
      Error?: unknown;
      Cause?: unknown;
    };
    if (parsed && typeof parsed === 'object') {
      if (typeof parsed.Cause === 'string') return describeGroupError(parsed.Cause);
      const type = typeof parsed.errorType === 'string' ? parsed.errorType : parsed.Error;
      const message = typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '';
      if (typeof type === 'string' || message) {
        out = [type, message].filter((s) => typeof s === 'string' && s.length > 0).join(': ');
      }
    }
  } catch {
    // not JSON: keep the text
  }
  out = out.replace(/\s+/g, ' ');
  return out.length > MAX_ERROR_CHARS ? `${out.slice(0, MAX_ERROR_CHARS - 3)}...` : out;
}

/** Keep one finding per fingerprint: the worst (fail > error > pass, then most severe). */
function dedupe(findings: Finding[]): Finding[] {
  const statusRank: Record<Status, number> = { fail: 0, error: 1, pass: 2, skipped: 3 };
  const byFp = new Map<string, Finding>();
  for (const f of findings) {
    const seen = byFp.get(f.fingerprint);
    const worse =
      !seen ||
      statusRank[f.status] < statusRank[seen.status] ||
      (f.status === seen.status && SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(seen.severity));
    if (worse) byFp.set(f.fingerprint, f);
  }
  return [...byFp.values()];
}

/**
 * Link failing symptoms to their root causes along the causal graph (lambdas/checks/causes.ts): the
 * linking half of `diagnose`, for callers that only need `rootCause` set.
 */
export function linkRootCauses(findings: Finding[], links: readonly CausalLink[] = CAUSAL_GRAPH): Finding[] {
  return link(findings, links);
}
