import type { Finding, Mute, Remediation, Severity } from '../audit/model.js';

/** Lifecycle of a stored finding. */
export const FindingState = { Open: 'open', Resolved: 'resolved' } as const;
export type FindingState = (typeof FindingState)[keyof typeof FindingState];

/**
 * A finding as the store keeps it: one per (deployment, fingerprint), open while its check fails (or
 * cannot run), resolved when it passes again. Evidence is not stored (it can be large).
 */
export interface StoredFinding {
  deployment: string;
  fingerprint: string;
  checkId: string;
  group: string;
  status: FindingState;
  /** What opened it: a failing check, or a check that could not run (`error`). */
  result: 'fail' | 'error';
  severity: Severity;
  resource: string;
  title: string;
  detail: string;
  guideSection: string;
  remediation?: Remediation;
  rootCause?: string;
  /** First run that ever saw it (kept when it re-opens). */
  firstSeen: string;
  lastSeen: string;
  /** Number of runs that saw it failing or erroring. */
  occurrences: number;
  /** Execution id of the last run that wrote it. */
  lastRun: string;
  /** `startedAt` of that run: a replay of an older run never overwrites a newer one. */
  lastRunAt: string;
  /** Execution id and time of the run that (re-)opened it. */
  openedBy: string;
  openedAt: string;
  escalatedBy?: string;
  escalatedFrom?: Severity;
  /** `startedAt` of the run that escalated it. */
  escalatedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /**
   * The configured mute in force when the last run saw it failing: it stays open (its history goes on)
   * but is not alerted as opened or escalated, nor as resolved.
   */
  muted?: Mute;
  /** Where its severity came from when the configuration overrode it. */
  severityOverride?: { from: Severity; because: string };
  /** Execution id and time of the run in which it failed un-muted after being muted (alerted as new). */
  unmutedBy?: string;
  unmutedAt?: string;
}

/** What one run changed, as far as an alert is concerned. */
export interface Changes {
  /** Findings that started failing (or, outside a whole-group failure, could not be checked). */
  opened: Finding[];
  /** Open failing findings whose severity rose. */
  escalated: Array<{ finding: Finding; from: Severity }>;
  /** Failing findings that passed, or vanished while their check ran cleanly. */
  resolved: StoredFinding[];
  /** Groups that errored as a whole in this and the previous N-1 runs (then every `remindEvery` runs). */
  failingGroups: Array<{ group: string; consecutiveRuns: number; error?: string }>;
  /**
   * Root causes that changed findings point to but that did not change themselves (already open), so the
   * alert can show them above their new symptoms. Always set by the store.
   */
  causes?: Finding[];
  /**
   * Lines about expired and unmatched mutes, when they differ from the previous run's (so each change is
   * alerted once); absent otherwise.
   */
  muteNotices?: string[];
  /**
   * Open, failing, un-muted findings that crossed `stillOpenAfterHours` since the previous run (set only
   * with that option): for the "Finding still open" events, not for the e-mail.
   */
  stillOpen?: StoredFinding[];
}

/** Outcome of recording one run. */
export interface RunOutcome {
  deployment: string;
  executionId: string;
  /** True when this execution had already been recorded (wholly or partly). */
  replay: boolean;
  changes: Changes;
  /** True when this run's alert was already published (replays must not send again). */
  notified: boolean;
}
