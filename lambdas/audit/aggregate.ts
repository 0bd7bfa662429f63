import type { CallSummary } from './calls.js';
import { GuideSection } from './guide.js';
import { SEVERITIES, Status, type Finding, type GroupId } from './model.js';
import { errorFindingOf, sortFindings, summarize, type AuditSummary } from './runner.js';
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

/** One audit of one deployment, merged from its group results: what the store and the alert consume. */
export interface AggregatedAudit {
  deployment: string;
  executionId: string;
  startedAt: string;
  finishedAt: string;
  findings: Finding[];
  summary: AuditSummary;
  /** Group → error text for groups that failed as a whole. */
  groupErrors: Record<string, string>;
  /** Group → call summary, for the groups that reported one. */
  calls?: Record<string, CallSummary>;
}

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
}

/** Longest group error text kept: a Lambda error can carry a whole stack trace. */
const MAX_ERROR_CHARS = 500;

/**
 * Merge the group results of one audit. A group that failed as a whole becomes one `error` finding per
 * check of that group (never silence), so the audit always completes; a group whose findings are all
 * `error` (e.g. its collector hit the deadline) also counts as failed as a whole in `groupErrors`.
 * Findings are de-duplicated by fingerprint, sorted, and linked to their root causes.
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
  const findings = linkRootCauses(sortFindings(dedupe(merged)));
  return {
    deployment: input.deployment,
    executionId: input.executionId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt ?? (input.now?.() ?? new Date()).toISOString(),
    findings,
    summary: summarize(findings, groupsSummary),
    groupErrors,
    ...(Object.keys(calls).length > 0 ? { calls } : {}),
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
 * A known causal link between checks: a failing `cause` finding explains failing `symptoms` findings.
 * `causeMatches` / `symptomMatches` narrow a rule to findings whose title, detail or evidence mention
 * the pattern (e.g. only the pods-config-errors finding about the database secret).
 */
export interface RootCauseRule {
  causes: readonly string[];
  symptoms: readonly string[];
  causeMatches?: RegExp;
  symptomMatches?: RegExp;
  /** Link only Kubernetes resources (`k8s:<namespace>/...`) of the same namespace. */
  sameNamespace?: boolean;
  /** Why the link holds, in the runbook's terms. */
  because: string;
}

const DB_LOG = /database|postgres|connection refused|dial tcp|5432|pq:/i;
const AUTH_LOG = /oidc|auth|login|callback/i;
const IMAGE_PULL = /ImagePull|ErrImagePull|pull(ing)? image|image pull/i;

/**
 * Root-cause rules, most upstream first. Order is also the tie-break when a symptom has several
 * candidate causes at the same depth. Deliberately absent: oidc-config → oidc-discovery (the discovery
 * check reads the issuer from the auditor's configuration, so coderd's OIDC settings cannot break it).
 */
export const ROOT_CAUSE_RULES: readonly RootCauseRule[] = [
  {
    causes: ['ec2-vcpu-quota'],
    symptoms: ['nodegroup-capacity', 'nodegroup-health', 'pods-pending'],
    because: 'Node groups cannot launch instances beyond the account vCPU quota.',
  },
  {
    causes: ['nodegroup-capacity', 'nodegroup-health', 'nodegroup-taints-tolerated'],
    symptoms: ['pods-pending'],
    because: 'Pods stay Pending when no schedulable node has room or tolerable taints.',
  },
  {
    causes: ['pods-pending'],
    symptoms: ['coderd-ready', 'provisioners-ready'],
    sameNamespace: true,
    because: 'A Pending coderd or provisioner pod is never Ready.',
  },
  {
    causes: ['vpc-endpoints-available'],
    symptoms: ['pods-config-errors'],
    symptomMatches: IMAGE_PULL,
    because: 'Private nodes pull images through the ECR/S3 VPC endpoints.',
  },
  {
    causes: ['db-sg-allows-nodes', 'aurora-cluster-available'],
    symptoms: ['db-connectivity', 'coderd-ready'],
    because: 'coderd cannot start without reaching Aurora on 5432.',
  },
  {
    causes: ['db-sg-allows-nodes', 'aurora-cluster-available'],
    symptoms: ['log-error-patterns'],
    symptomMatches: DB_LOG,
    because: 'Unreachable Aurora shows as database connection errors in the coderd logs.',
  },
  {
    causes: ['pods-config-errors'],
    causeMatches: /secret/i,
    symptoms: ['db-connectivity', 'coderd-ready'],
    because: 'coderd reads its database URL from the database credentials secret.',
  },
  {
    causes: ['pods-config-errors'],
    causeMatches: /secret/i,
    symptoms: ['log-error-patterns'],
    symptomMatches: DB_LOG,
    because: 'A missing database secret shows as database errors in the coderd logs.',
  },
  {
    causes: ['db-connectivity'],
    symptoms: ['coderd-ready'],
    because: 'coderd is not Ready while its database is unreachable.',
  },
  {
    causes: ['db-connectivity'],
    symptoms: ['log-error-patterns'],
    symptomMatches: DB_LOG,
    because: 'An unreachable database shows as connection errors in the coderd logs.',
  },
  {
    causes: ['coderd-ready', 'nlb-health-check-config'],
    symptoms: ['nlb-targets-healthy'],
    because: 'NLB targets are healthy only when coderd answers the configured health check.',
  },
  {
    causes: ['coderd-ready', 'nlb-targets-healthy'],
    symptoms: ['coder-healthz', 'coder-health-report'],
    because: 'The public URL reaches coderd only through healthy NLB targets.',
  },
  {
    causes: ['provisioner-key-age'],
    symptoms: ['provisioners-ready', 'provisioner-daemons'],
    because: 'Provisioners with an expired key cannot register with coderd.',
  },
  {
    causes: ['provisioners-ready'],
    symptoms: ['provisioner-daemons'],
    because: 'Provisioner daemons register only from Ready provisioner pods.',
  },
  {
    causes: ['oidc-config', 'oidc-discovery'],
    symptoms: ['log-error-patterns'],
    symptomMatches: AUTH_LOG,
    because: 'A misconfigured or unreachable OIDC issuer shows as authentication errors in the logs.',
  },
];

/** Namespace of a `k8s:<namespace>/<kind>/<name>` resource. */
function namespaceOf(resource: string): string | undefined {
  return /^k8s:([^/]+)\//.exec(resource)?.[1];
}

function sameNamespace(a: Finding, b: Finding): boolean {
  const ns = namespaceOf(a.resource);
  return ns !== undefined && ns === namespaceOf(b.resource);
}

function mentions(f: Finding, pattern: RegExp | undefined): boolean {
  if (!pattern) return true;
  return pattern.test(`${f.title}\n${f.detail}\n${JSON.stringify(f.evidence)}`);
}

/**
 * Set `rootCause` (the fingerprint of the cause) on failing symptom findings. Only `fail` findings link,
 * and only to `fail` causes; a symptom links to the most upstream failing cause, following the rules
 * transitively (deepest chain first, then rule order, then fingerprint). Returns new finding objects in
 * the same order; findings without a cause carry no `rootCause`.
 */
export function linkRootCauses(
  findings: Finding[],
  rules: readonly RootCauseRule[] = ROOT_CAUSE_RULES,
): Finding[] {
  const failing = findings.filter((f) => f.status === Status.Fail);
  const byCheck = new Map<string, Finding[]>();
  for (const f of failing) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  for (const list of byCheck.values()) list.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  const directCauses = new Map<string, Finding[]>();
  for (const symptom of failing) {
    const causes: Finding[] = [];
    for (const rule of rules) {
      if (!rule.symptoms.includes(symptom.checkId) || !mentions(symptom, rule.symptomMatches)) continue;
      for (const id of rule.causes) {
        for (const cause of byCheck.get(id) ?? []) {
          if (
            cause !== symptom &&
            !causes.includes(cause) &&
            mentions(cause, rule.causeMatches) &&
            (!rule.sameNamespace || sameNamespace(cause, symptom))
          ) {
            causes.push(cause);
          }
        }
      }
    }
    directCauses.set(symptom.fingerprint, causes);
  }
  const memo = new Map<string, { root: Finding; depth: number } | undefined>();
  const rootOf = (f: Finding, path: Set<string>): { root: Finding; depth: number } | undefined => {
    if (memo.has(f.fingerprint)) return memo.get(f.fingerprint);
    let best: { root: Finding; depth: number } | undefined;
    for (const cause of directCauses.get(f.fingerprint) ?? []) {
      if (path.has(cause.fingerprint)) continue;
      const up = rootOf(cause, new Set([...path, cause.fingerprint]));
      const candidate = up ? { root: up.root, depth: up.depth + 1 } : { root: cause, depth: 1 };
      if (!best || candidate.depth > best.depth) best = candidate;
    }
    if (path.size <= 1) memo.set(f.fingerprint, best);
    return best;
  };
  return findings.map((f) => {
    const { rootCause: _previous, ...rest } = f;
    const found = f.status === Status.Fail ? rootOf(f, new Set([f.fingerprint])) : undefined;
    return found ? { ...rest, rootCause: found.root.fingerprint } : rest;
  });
}
