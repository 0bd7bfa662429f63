import {
  Status,
  severityRank,
  type Finding,
  type Mute,
  type ScopeKey,
  type ScopeValue,
  type Severity,
} from './model.js';

/** The findings one side of a causal link matches: a check, some of its reasons, some scope values. */
export interface FindingPattern {
  /** Check id. */
  check: string;
  /**
   * `skipped`: the pattern matches the check's `skipped` findings (and `reasons` are skip reasons, e.g.
   * `role-gap`), which only a symptom side may name; absent: its failing findings.
   */
  status?: typeof Status.Skipped;
  /** Reason codes of the check (skip reasons with `status: 'skipped'`); absent: any reason. */
  reasons?: readonly string[];
  /** Scope values the finding must have, per key (one of them); e.g. `{ registry: ['ecr'] }`. */
  where?: Readonly<Partial<Record<ScopeKey, readonly string[]>>>;
}

/**
 * A causal link of the runbook, written as data: a failing finding matching one of `causes` explains a
 * failing finding matching one of `symptoms` (or a `skipped` one: the cause left it unchecked), when both
 * share a value of every `same` scope key. Links never read titles, details or evidence: only check ids,
 * status, reason codes and scope values.
 */
export interface CausalLink {
  causes: readonly FindingPattern[];
  symptoms: readonly FindingPattern[];
  /** Scope keys cause and symptom must share a value of (e.g. `workload`, `nodegroup`). */
  same?: readonly ScopeKey[];
  /** Why the link holds, in the runbook's terms. */
  because: string;
}

/** A root cause of a report: a failing finding that no other explains, with the findings it explains. */
export interface RootCause {
  /** Fingerprint of the cause's finding. */
  fingerprint: string;
  checkId: string;
  reason?: string;
  resource: string;
  title: string;
  /** The cause's own severity. */
  severity: Severity;
  /**
   * The worst severity of the cause and its symptoms, muted ones left out: what orders the causes of a
   * report.
   */
  effectiveSeverity: Severity;
  /**
   * Fingerprints of the failing findings it explains (directly or down a chain), most severe first; muted
   * symptoms are left out (the report lists them apart).
   */
  symptoms: string[];
  /** Fingerprints of the `skipped` findings it explains: checks it left unchecked (e.g. a token's role). */
  unchecked?: string[];
  /**
   * Set when the cause itself is muted but explains failures that are not: the accepted risk is what breaks
   * them, so it stays their root cause (its severity no longer counts).
   */
  muted?: Mute;
}

const values = (v: ScopeValue | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

/** Does the finding match the pattern (check, status, reason, scope filters)? */
export function matches(f: Finding, p: FindingPattern): boolean {
  if (f.checkId !== p.check || f.status !== (p.status ?? Status.Fail)) return false;
  if (p.reasons && (f.reason === undefined || !p.reasons.includes(f.reason))) return false;
  return Object.entries(p.where ?? {}).every(([key, allowed]) =>
    values(f.scope?.[key as ScopeKey]).some((v) => allowed.includes(v)),
  );
}

/** Do the two findings share a value of every key? (A key one of them does not set never matches.) */
export function sameScope(a: Finding, b: Finding, keys: readonly ScopeKey[] = []): boolean {
  return keys.every((k) => {
    const mine = values(a.scope?.[k]);
    return values(b.scope?.[k]).some((v) => mine.includes(v));
  });
}

/**
 * Set `rootCause` (the fingerprint of the cause) on failing symptom findings, and on `skipped` findings that
 * a failing finding left unchecked. Only `fail` findings are causes (what was not read explains nothing); a
 * symptom links to the most upstream failing cause, following the links transitively (deepest chain first,
 * then link order, then fingerprint). Returns new finding objects in the same order; findings without a
 * cause carry no `rootCause`.
 */
export function linkRootCauses(findings: Finding[], links: readonly CausalLink[]): Finding[] {
  const linkable = (f: Finding) => f.status === Status.Fail || f.status === Status.Skipped;
  const byFp = (a: Finding, b: Finding) => a.fingerprint.localeCompare(b.fingerprint);
  const failing = findings.filter((f) => f.status === Status.Fail).sort(byFp);
  const directCauses = new Map<string, Finding[]>();
  for (const symptom of findings.filter(linkable).sort(byFp)) {
    const causes: Finding[] = [];
    for (const link of links) {
      if (!link.symptoms.some((p) => matches(symptom, p))) continue;
      for (const cause of failing) {
        if (
          cause !== symptom &&
          !causes.includes(cause) &&
          link.causes.some((p) => matches(cause, p)) &&
          sameScope(cause, symptom, link.same)
        ) {
          causes.push(cause);
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
    const found = linkable(f) ? rootOf(f, new Set([f.fingerprint])) : undefined;
    return found ? { ...rest, rootCause: found.root.fingerprint } : rest;
  });
}

const worst = (a: Severity, b: Severity): Severity => (severityRank(b) > severityRank(a) ? b : a);

/**
 * The root causes of linked findings: every failing finding without a `rootCause`, with the failing findings
 * that point to it (and the `skipped` ones it left unchecked, which add no severity), ordered by effective
 * severity (the worst of the cause and its symptoms), then by the cause's own severity, then by the number
 * of symptoms, then by check id and resource.
 *
 * Muted findings (accepted risks) still link (a mute accepts a risk, it does not make the finding untrue),
 * but they count for nothing: a muted symptom is not among its cause's `symptoms`, and neither it nor a muted
 * cause weighs in the effective severity. A muted cause whose symptoms are all muted (or that has none) is no
 * root cause of the report; one that explains failures that are not muted stays their root cause, marked
 * `muted`.
 */
export function rootCausesOf(findings: readonly Finding[]): RootCause[] {
  const failing = findings.filter((f) => f.status === Status.Fail);
  const bySeverity = failing
    .filter((f) => !f.muted)
    .sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        a.checkId.localeCompare(b.checkId) ||
        a.resource.localeCompare(b.resource),
    );
  const roots = failing
    .filter((f) => f.rootCause === undefined)
    .flatMap((f): RootCause[] => {
      const symptoms = bySeverity.filter((s) => s.rootCause === f.fingerprint);
      if (f.muted && symptoms.length === 0) return [];
      const counted = f.muted ? symptoms : [f, ...symptoms];
      const unchecked = findings.filter((s) => s.status === Status.Skipped && s.rootCause === f.fingerprint);
      return [
        {
          fingerprint: f.fingerprint,
          checkId: f.checkId,
          ...(f.reason !== undefined ? { reason: f.reason } : {}),
          resource: f.resource,
          title: f.title,
          severity: f.severity,
          effectiveSeverity: counted.reduce<Severity>((s, x) => worst(s, x.severity), 'info'),
          symptoms: symptoms.map((s) => s.fingerprint),
          ...(unchecked.length ? { unchecked: unchecked.map((s) => s.fingerprint) } : {}),
          ...(f.muted ? { muted: f.muted } : {}),
        },
      ];
    });
  return roots.sort(
    (a, b) =>
      severityRank(b.effectiveSeverity) - severityRank(a.effectiveSeverity) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.symptoms.length - a.symptoms.length ||
      a.checkId.localeCompare(b.checkId) ||
      a.resource.localeCompare(b.resource),
  );
}
