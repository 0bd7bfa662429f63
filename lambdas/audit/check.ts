import type { DeploymentConfig } from './config.js';
import type { GuideSection } from './guide.js';
import type { GroupId, Remediation, Severity, Status } from './model.js';

/** Static description of a check: what the catalogue and the README show. */
export interface CheckMeta {
  /** Unique, kebab-case, equal to the check's file name. */
  id: string;
  group: GroupId;
  /** Default severity of a failing result. */
  severity: Severity;
  title: string;
  /** What the check detects, one sentence. */
  description: string;
  /** Why it matters. */
  risk: string;
  /** Exact heading of the runbook section it automates. */
  guideSection: GuideSection;
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
  /** Overrides the check's default severity (e.g. an escalation). */
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
