import { CallRecorder, type CallSummary } from './calls.js';
import type { RootCause } from './causality.js';
import type { Check, CheckMeta, FindingInput } from './check.js';
import type { DeploymentConfig, MuteRule } from './config.js';
import { DeadlineError, describeError } from './errors.js';
import type { CheckGroup, CollectContext } from './group.js';
import type { DisabledCheck } from './mutes.js';
import { redactDeep, redactLine, redactText } from './redact.js';
import {
  SEVERITIES,
  SKIP_REASONS,
  Status,
  fingerprint,
  type Finding,
  type GroupId,
  type Severity,
  type SkipReason,
} from './model.js';
import type { AwsClients } from '../clients/aws.js';

/** Summary counts of a report. */
export interface AuditSummary {
  total: number;
  byStatus: Record<Status, number>;
  /** Failing or erroring findings per severity, muted ones left out. */
  bySeverity: Record<Severity, number>;
  /** Failing findings muted by the configuration (absent when none). */
  muted?: number;
  groups: Record<string, { findings: number; ms: number; skipped?: string }>;
}

/** Result of auditing one deployment: the stable JSON document the CLI prints. */
/**
 * The one report of an audit of one deployment: what the CLI prints and writes, what the workflow's
 * Aggregate function stores and alerts on, and what the demo returns. A workflow run adds `executionId`,
 * `groupErrors` and `callsByGroup`.
 */
export interface AuditReport {
  deployment: string;
  startedAt: string;
  finishedAt: string;
  findings: Finding[];
  /**
   * The failing findings no other explains, each with the fingerprints of its symptoms, most severe (with
   * its symptoms) first. Set by the diagnosis (`diagnose`), which every report goes through.
   */
  rootCauses?: RootCause[];
  summary: AuditSummary;
  /** Every call the audit made (a workflow run: the sum of its groups'). */
  calls: CallSummary;
  /**
   * Problems of the audit itself that explain many `error` findings at once (e.g. no AWS credentials), and
   * configured mutes that need a person: expired, or matching nothing any more.
   */
  notices?: string[];
  /** Expired and unmatched mutes (absent without any): the store remembers them between runs. */
  mutes?: MuteNotices;
  /** Checks the configuration disabled for this deployment (not run), with the reason given. */
  disabled?: DisabledCheck[];
  /** Workflow runs: the Step Functions execution that ran the audit. */
  executionId?: string;
  /** Workflow runs: group → error text for groups that failed as a whole (empty when none did). */
  groupErrors?: Record<string, string>;
  /** Workflow runs: group → its calls (the groups run in separate functions). */
  callsByGroup?: Record<string, CallSummary>;
}

/** Expired and unmatched mutes of one run, and their report lines. */
export interface MuteNotices {
  expired: MuteRule[];
  unmatched: MuteRule[];
  notices: string[];
}

export type ProgressEvent =
  | { type: 'group-start'; group: GroupId }
  | { type: 'group-done'; group: GroupId; ms: number; findings: number }
  | { type: 'group-skipped'; group: GroupId; reason: string };

export interface RunOptions {
  deployment: DeploymentConfig;
  groups: readonly CheckGroup<unknown>[];
  aws: AwsClients;
  calls?: CallRecorder;
  /** Only these check ids (and their groups). */
  only?: readonly string[];
  /** Never these check ids (checks disabled by the configuration): not run, no findings. */
  skip?: readonly string[];
  /** Injectable clock. */
  now?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
  log?: (message: string) => void;
}

/** The part of a check's metadata that its findings carry (what the check catalogue lists). */
export type FindingMeta = Pick<CheckMeta, 'id' | 'group' | 'severity' | 'title' | 'guideSection'>;

/**
 * Complete a check's result into a finding. A `fail` must name one of the check's declared reasons (its
 * severity is the finding's unless the result overrides it), a `skipped` result one of the `SKIP_REASONS`;
 * otherwise this throws, which the runner turns into an `error` finding: a check that reports an undeclared
 * reason is a bug, never a silent pass.
 */
export function toFinding(check: Check<unknown>, input: FindingInput): Finding {
  if (input.status === Status.Fail) {
    const declared = input.reason !== undefined ? check.meta.reasons[input.reason] : undefined;
    if (!declared) {
      throw new Error(
        `check ${check.meta.id} reported a failure with ${input.reason === undefined ? 'no reason' : `the undeclared reason "${input.reason}"`}`,
      );
    }
    return findingOf(check.meta, { ...input, severity: input.severity ?? declared.severity });
  }
  if (input.status === Status.Skipped) {
    if (!SKIP_REASONS.includes(input.reason as SkipReason)) {
      throw new Error(
        `check ${check.meta.id} skipped a result with ${input.reason === undefined ? 'no reason' : `the unknown skip reason "${input.reason}"`}`,
      );
    }
    return findingOf(check.meta, input);
  }
  const { reason: _reason, ...rest } = input;
  return findingOf(check.meta, rest);
}

/** Longest detail of a finding, in characters (details quote text from the audited system). */
export const MAX_DETAIL_CHARS = 4000;

/**
 * Complete a result into a finding of the check described by `m`. Its free text (title, detail, evidence,
 * remediation text) quotes the audited system, so it goes through the one redaction module here, whatever
 * the check did; commands are built by the checks from quoted values and are left as they are.
 */
function findingOf(m: FindingMeta, input: FindingInput): Finding {
  return {
    checkId: m.id,
    group: m.group,
    status: input.status,
    severity:
      input.severity ??
      (input.status === Status.Pass || input.status === Status.Skipped ? 'info' : m.severity),
    resource: input.resource,
    title: redactLine(input.title ?? m.title, 300),
    detail: redactText(input.detail, MAX_DETAIL_CHARS),
    evidence: redactDeep(input.evidence ?? {}),
    ...(input.remediation
      ? {
          remediation: {
            ...input.remediation,
            text: redactText(input.remediation.text, MAX_DETAIL_CHARS),
          },
        }
      : {}),
    guideSection: input.guideSection ?? m.guideSection,
    fingerprint: fingerprint(m.id, input.resource, input.key),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.scope && Object.keys(input.scope).length > 0 ? { scope: input.scope } : {}),
  };
}

/** The `error` finding of a check that could not run. */
export function errorFinding(check: Check<unknown>, resource: string, reason: string): Finding {
  return errorFindingOf(check.meta, resource, reason);
}

/** The `error` finding of a check known only by its metadata (e.g. from the check catalogue). */
export function errorFindingOf(meta: FindingMeta, resource: string, reason: string): Finding {
  return findingOf(meta, {
    status: Status.Error,
    resource,
    detail: `Check could not run: ${reason}`,
    evidence: { error: reason },
    key: 'error',
  });
}

/** Evaluate one pure check, containing any failure as an `error` finding. */
export function evaluateCheck<S>(
  check: Check<S>,
  snapshot: S,
  deployment: DeploymentConfig,
  now: Date,
): Finding[] {
  const c = check as Check<unknown>;
  try {
    const results = check.evaluate(snapshot, { deployment, now });
    if (results.length === 0) {
      return [
        toFinding(c, {
          status: Status.Pass,
          resource: deployment.id,
          detail: 'Nothing in scope to evaluate.',
          key: 'empty',
        }),
      ];
    }
    return results.map((r) => toFinding(c, r));
  } catch (err) {
    return [errorFinding(c, deployment.id, describeError(err))];
  }
}

/** Time a collector gets after its deadline to hand back what it read before the runner gives up on it. */
export const COLLECT_GRACE_MS = 1_000;

/**
 * Run one group: collect under its deadline, then evaluate every selected check. At the deadline the
 * group's signal aborts, so pending reads settle as failed facts and the checks that need them error;
 * a collector that still has not returned after a grace period errors every check.
 */
export async function runGroup<S>(
  group: CheckGroup<S>,
  checks: readonly Check<S>[],
  ctx: Omit<CollectContext, 'signal'>,
): Promise<Finding[]> {
  // A failed load fails again in `collect`, where it becomes the error of every check.
  await group.load?.().catch(() => undefined);
  const ms = ctx.deployment.timeouts.groupMs;
  const controller = new AbortController();
  const soft = setTimeout(() => controller.abort(new DeadlineError(`check group ${group.id}`, ms)), ms);
  let hard: NodeJS.Timeout | undefined;
  try {
    let snapshot: S;
    try {
      snapshot = await Promise.race([
        group.collect({ ...ctx, signal: controller.signal }),
        new Promise<never>((_, reject) => {
          hard = setTimeout(
            () => reject(new DeadlineError(`check group ${group.id}`, ms)),
            ms + COLLECT_GRACE_MS,
          );
        }),
      ]);
    } catch (err) {
      const reason = describeError(err);
      return checks.map((c) => errorFinding(c as Check<unknown>, ctx.deployment.id, reason));
    }
    const findings = checks.flatMap((c) => evaluateCheck(c, snapshot, ctx.deployment, ctx.now));
    if (!group.annotate || controller.signal.aborted) return findings;
    return await group.annotate(findings, { ...ctx, signal: controller.signal }).catch(() => findings);
  } finally {
    clearTimeout(soft);
    clearTimeout(hard);
    controller.abort(new Error('check group finished'));
  }
}

/** Audit one deployment: every applicable group concurrently, each bounded by its deadline. */
export async function runAudit(opts: RunOptions): Promise<AuditReport> {
  const now = opts.now ?? (() => new Date());
  const calls = opts.calls ?? new CallRecorder();
  const started = now();
  const t0 = performance.now();
  const groupsSummary: AuditSummary['groups'] = {};
  const only = opts.only ? new Set(opts.only) : undefined;
  const disabled = new Set(opts.skip ?? []);
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => calls.shared(key, read);
  const selected = (group: CheckGroup<unknown>) =>
    group.checks.filter((c) => (!only || only.has(c.meta.id)) && !disabled.has(c.meta.id));
  // Every group's code first: loading blocks the event loop, and no group's deadline or call timer may
  // be running meanwhile (see `CheckGroup.load`).
  await Promise.all(
    opts.groups
      .filter((g) => selected(g).length > 0 && !g.skipReason(opts.deployment))
      .map((g) => g.load?.().catch(() => undefined)),
  );
  const results = await Promise.all(
    opts.groups.map(async (group) => {
      const checks = selected(group);
      if (checks.length === 0) return [];
      const skip = group.skipReason(opts.deployment);
      if (skip) {
        groupsSummary[group.id] = { findings: 0, ms: 0, skipped: skip };
        opts.onProgress?.({ type: 'group-skipped', group: group.id, reason: skip });
        // Checks asked for by name must not vanish silently: they could not run.
        return only
          ? checks.map((c) =>
              errorFinding(c as Check<unknown>, opts.deployment.id, `group ${group.id} skipped: ${skip}`),
            )
          : [];
      }
      opts.onProgress?.({ type: 'group-start', group: group.id });
      const g0 = performance.now();
      const findings = await calls.branch(() =>
        runGroup(group, checks, {
          deployment: opts.deployment,
          aws: opts.aws,
          calls,
          now: started,
          byHand: true,
          log: opts.log ?? (() => {}),
          once,
        }),
      );
      const ms = Math.round(performance.now() - g0);
      groupsSummary[group.id] = { findings: findings.length, ms };
      opts.onProgress?.({ type: 'group-done', group: group.id, ms, findings: findings.length });
      return findings;
    }),
  );
  const findings = sortFindings(results.flat());
  return {
    deployment: opts.deployment.id,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + Math.round(performance.now() - t0)).toISOString(),
    findings,
    summary: summarize(findings, groupsSummary),
    calls: calls.summary(),
  };
}

/** Most severe first; failures before errors before passes before skipped; then by check id and resource. */
export function sortFindings(findings: Finding[]): Finding[] {
  const statusRank: Record<Status, number> = { fail: 0, error: 1, pass: 2, skipped: 3 };
  return [...findings].sort(
    (a, b) =>
      statusRank[a.status] - statusRank[b.status] ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.checkId.localeCompare(b.checkId) ||
      a.resource.localeCompare(b.resource),
  );
}

export function summarize(findings: readonly Finding[], groups: AuditSummary['groups'] = {}): AuditSummary {
  const byStatus: Record<Status, number> = { fail: 0, pass: 0, error: 0, skipped: 0 };
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let muted = 0;
  for (const f of findings) {
    byStatus[f.status] += 1;
    if (f.muted) muted += 1;
    else if (f.status === Status.Fail || f.status === Status.Error) bySeverity[f.severity] += 1;
  }
  return { total: findings.length, byStatus, bySeverity, ...(muted ? { muted } : {}), groups };
}
