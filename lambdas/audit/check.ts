import type { DeploymentConfig } from './config.js';
import type { GuideSection } from './guide.js';
import type { GroupId, Remediation, Scope, Severity, Status } from './model.js';

/**
 * One reason a check can report, in the manner of Popeye's code registry: the finding says *which* reason
 * (its code), the registry says what it means and how severe it is. Root-cause rules match codes, never text.
 */
export interface ReasonMeta {
  /** What is wrong, one short sentence without ids (the finding's detail has them). */
  message: string;
  /** Severity of a failing finding with this reason, unless the finding sets its own. */
  severity: Severity;
}

/** Static description of a check: what the catalogue, the README and the causal rules use. */
export interface CheckMeta {
  /** Unique, kebab-case, equal to the check's file name. */
  id: string;
  group: GroupId;
  /** Severity of the check's `error` findings and of the catalogue; each reason has its own. */
  severity: Severity;
  title: string;
  /** What the check detects, one sentence. */
  description: string;
  /** Why it matters. */
  risk: string;
  /** Exact heading of the runbook section it automates. */
  guideSection: GuideSection;
  /** Every reason a failing finding of this check can give, by code (kebab-case, or Coder's health codes). */
  reasons: Readonly<Record<string, ReasonMeta>>;
}

/** A check's metadata as written in its group's `meta.ts`: the id is the key, the group is the file's. */
export type CheckMetaInput = Omit<CheckMeta, 'id' | 'group'>;

/**
 * The metadata of a group's checks, written once (`lambdas/checks/<group>/meta.ts`), keyed by check id in
 * catalogue order. Literal types are kept, so that the causal rules can be checked against the reason codes.
 */
export function defineMetas<G extends GroupId, const M extends Record<string, CheckMetaInput>>(
  group: G,
  metas: M,
): { readonly [K in keyof M & string]: M[K] & { readonly id: K; readonly group: G } } {
  return Object.fromEntries(Object.entries(metas).map(([id, m]) => [id, { id, group, ...m }])) as unknown as {
    readonly [K in keyof M & string]: M[K] & { readonly id: K; readonly group: G };
  };
}

/** Everything a check may read besides its group's snapshot. Pure: no I/O. */
export interface EvalContext {
  deployment: DeploymentConfig;
  now: Date;
}

/** What a check returns per resource; the runner completes it into a `Finding`. */
export interface FindingInput {
  status: Status;
  resource: string;
  detail: string;
  /**
   * Required on a `fail`: the code of one of the check's `reasons` (a `fail` without a declared reason
   * becomes an `error` finding). Its severity is the finding's unless `severity` says otherwise. Required
   * on a `skipped` result too: a `SkipReason` (`not-applicable`, `role-gap`). Dropped on `pass` and `error`.
   */
  reason?: string;
  /** What the finding concerns (namespace, workload, node group...): what root-cause rules compare. */
  scope?: Scope;
  /** Overrides the reason's severity (e.g. a section of coderd's health report at `error`). */
  severity?: Severity;
  /** Overrides the check's title for this result. */
  title?: string;
  evidence?: Record<string, unknown>;
  remediation?: Remediation;
  /** Distinguishes several results of one check on one resource (part of the fingerprint). */
  key?: string;
  /** Overrides the check's runbook section when this result belongs to another (e.g. an image pull error). */
  guideSection?: GuideSection;
}

/** A check is pure: snapshot in, findings out. Throwing (e.g. through `need`) yields an `error` finding. */
export interface Check<S> {
  meta: CheckMeta;
  evaluate(snapshot: S, ctx: EvalContext): FindingInput[];
}

/** Identity helper that keeps the snapshot type inferred. */
export function defineCheck<S>(meta: CheckMeta, evaluate: Check<S>['evaluate']): Check<S> {
  return { meta, evaluate };
}
