import { guideAnchor } from '../audit/guide.js';
import { changeLine, SEVERITIES, Status, severityRank, type Finding, type Severity } from '../audit/model.js';
import type { RunOutcome, StoredFinding } from '../store/findings-store.js';
import { neutralise, neutraliseLines } from '../audit/untrusted.js';

/** One alert: what SNS publishes (subject, plain-text body, filterable attributes). */
export interface AlertMessage {
  subject: string;
  text: string;
  attributes: { severity: string; deployment: string };
}

export interface RenderOptions {
  /** URL of the troubleshooting guide; section anchors are appended. */
  runbookUrl?: string;
  /** Where on-call finds the run (e.g. the Step Functions execution or a dashboard). */
  consoleUrl?: string;
}

/**
 * Severity attribute of an alert that only says checks could not run (single checks or whole groups):
 * subscribers filtering on critical/high are paged for real failures only.
 */
export const COULD_NOT_CHECK_SEVERITY: Severity = 'medium';
/** SNS subjects must be shorter than 100 ASCII characters. */
export const MAX_SUBJECT_CHARS = 99;
/** SNS messages are limited to 256 KiB; keep room for the attributes. */
export const MAX_TEXT_BYTES = 240_000;

const INDENT = '  ';

/**
 * Render the alert of one run, or undefined when there is nothing to say (nothing changed) or it was
 * already published. Root causes come first with their symptoms under them, then the other new and
 * escalated failures by severity, then checks that could not run, then what resolved, then check
 * groups failing run after run. Every finding carries its detail, its commands and its runbook link.
 */
export function renderAlert(outcome: RunOutcome, opts: RenderOptions = {}): AlertMessage | undefined {
  if (outcome.notified) return undefined;
  const { changes } = outcome;
  const fails = changes.opened.filter((f) => f.status === Status.Fail);
  const couldNotCheck = changes.opened.filter((f) => f.status !== Status.Fail);
  const escalatedFrom = new Map(changes.escalated.map((e) => [e.finding.fingerprint, e.from]));
  const changed = sortBySeverity([...fails, ...changes.escalated.map((e) => e.finding)]);
  const muteNotices = changes.muteNotices ?? [];
  if (
    changed.length +
      couldNotCheck.length +
      changes.resolved.length +
      changes.failingGroups.length +
      muteNotices.length ===
    0
  ) {
    return undefined;
  }

  const label = (f: Finding): string => {
    const from = escalatedFrom.get(f.fingerprint);
    if (from) return `ESCALATED from ${from}`;
    return changed.includes(f) ? 'NEW' : 'ALREADY OPEN';
  };
  const known = new Map([...changed, ...(changes.causes ?? [])].map((f) => [f.fingerprint, f]));
  const symptomsOf = (root: Finding) => changed.filter((s) => s.rootCause === root.fingerprint && s !== root);
  // Root causes first, by effective severity: the worst of the cause and the symptoms it explains.
  const roots = byEffectiveSeverity(
    [...known.values()].filter((f) => symptomsOf(f).length > 0),
    symptomsOf,
  );
  const explained = new Set(
    changed.filter((f) => f.rootCause && known.has(f.rootCause)).map((f) => f.fingerprint),
  );
  const others = changed.filter((f) => !explained.has(f.fingerprint) && !roots.includes(f));

  const lines: string[] = [
    `coder-audit: deployment ${outcome.deployment}, run ${outcome.executionId}`,
    `Summary: ${summaryParts(outcome).join(', ')}`,
  ];
  const section = (title: string, body: string[]): void => {
    if (body.length > 0) lines.push('', `== ${title} ==`, ...body);
  };
  section(
    'ROOT CAUSES',
    roots.flatMap((root) => [
      '',
      ...findingBlock(root, label(root), opts, ''),
      `${INDENT}Symptoms of this cause:`,
      ...symptomsOf(root).flatMap((s) => ['', ...findingBlock(s, label(s), opts, INDENT.repeat(2))]),
    ]),
  );
  section(
    roots.length > 0 ? 'OTHER NEW AND ESCALATED' : 'NEW AND ESCALATED',
    others.flatMap((f) => ['', ...findingBlock(f, label(f), opts, '')]),
  );
  section(
    'COULD NOT CHECK',
    sortBySeverity(couldNotCheck).flatMap((f) => ['', ...findingBlock(f, 'NEW', opts, '')]),
  );
  section(
    'RESOLVED',
    changes.resolved.flatMap((f) => ['', ...resolvedBlock(f, opts)]),
  );
  section(
    'CHECK GROUPS FAILING',
    changes.failingGroups.flatMap((g) => [
      '',
      `- ${g.group}: failed as a whole ${g.consecutiveRuns} runs in a row${g.error ? `: ${neutralise(g.error)}` : ''}`,
      `${INDENT}Its checks could not run: their findings are neither confirmed nor resolved until it recovers.`,
    ]),
  );
  section(
    'MUTES TO REVIEW',
    muteNotices.flatMap((n) => ['', `- ${neutralise(n)}`]),
  );
  if (opts.consoleUrl) lines.push('', `Run details: ${opts.consoleUrl}`);

  // The subject names what to fix: the root causes (and other new failures) in the order of the body.
  const byCheck = new Map<string, { count: number; symptoms: number }>();
  for (const f of [...roots, ...others]) {
    const seen = byCheck.get(f.checkId) ?? { count: 0, symptoms: 0 };
    byCheck.set(f.checkId, { count: seen.count + 1, symptoms: seen.symptoms + symptomsOf(f).length });
  }
  const causes = [...byCheck].map(
    ([id, { count, symptoms }]) =>
      `${id}${count > 1 ? ` x${count}` : ''}${symptoms ? ` (+${symptoms})` : ''}`,
  );
  return {
    subject: subjectOf(outcome, causes),
    text: truncateBytes(lines.join('\n') + '\n', MAX_TEXT_BYTES),
    attributes: { severity: alertSeverity(outcome), deployment: outcome.deployment },
  };
}

/**
 * `[coder-audit] prod: db-sg-allows-nodes (+3), ec2-vcpu-quota; 2 new critical, 1 resolved`: the root
 * causes, then the counts, cut to fit SNS (counts first, then causes: `N more`).
 */
function subjectOf(outcome: RunOutcome, causes: readonly string[] = []): string {
  const prefix = ascii(`[coder-audit] ${outcome.deployment}: `);
  const parts = summaryParts(outcome);
  const named = (k: number) =>
    `${causes.slice(0, k).join(', ')}${k < causes.length ? `, ${causes.length - k} more` : ''}`;
  const counts = (n: number) =>
    n < parts.length ? `${parts.slice(0, n).join(', ')}, ...` : parts.join(', ');
  const fits = (text: string) => ascii(prefix + text).length <= MAX_SUBJECT_CHARS;
  // As many causes as fit with at least the first count; then causes alone; then counts alone.
  for (let k = causes.length; k >= 1; k--) {
    for (let n = parts.length; n >= 1; n--)
      if (fits(`${named(k)}; ${counts(n)}`)) return ascii(`${prefix}${named(k)}; ${counts(n)}`);
  }
  for (let k = causes.length; k >= 1; k--) if (fits(named(k))) return ascii(prefix + named(k));
  for (let n = parts.length; n >= 1; n--) if (fits(counts(n))) return ascii(prefix + counts(n));
  const subject = ascii(prefix + (causes.length ? named(1) : parts.join(', ')));
  return subject.length > MAX_SUBJECT_CHARS ? `${subject.slice(0, MAX_SUBJECT_CHARS - 3)}...` : subject;
}

function summaryParts(outcome: RunOutcome): string[] {
  const c = outcome.changes;
  const fails = c.opened.filter((f) => f.status === Status.Fail);
  const errors = c.opened.length - fails.length;
  const parts = SEVERITIES.flatMap((s) => {
    const n = fails.filter((f) => f.severity === s).length;
    return n > 0 ? [`${n} new ${s}`] : [];
  });
  if (c.escalated.length > 0) parts.push(`${c.escalated.length} escalated`);
  if (errors > 0) parts.push(`${errors} could not check`);
  if (c.resolved.length > 0) parts.push(`${c.resolved.length} resolved`);
  if (c.failingGroups.length === 1) parts.push(`group ${c.failingGroups[0]?.group} failing`);
  if (c.failingGroups.length > 1) parts.push(`${c.failingGroups.length} groups failing`);
  const mutes = c.muteNotices?.length ?? 0;
  if (mutes > 0) parts.push(`${mutes} mute${mutes === 1 ? '' : 's'} to review`);
  return parts;
}

/** Highest severity among new and escalated failures; `medium` for could-not-check; `info` for resolved only. */
function alertSeverity(outcome: RunOutcome): Severity {
  const c = outcome.changes;
  const candidates: Severity[] = [
    ...c.opened.filter((f) => f.status === Status.Fail).map((f) => f.severity),
    ...c.escalated.map((e) => e.finding.severity),
  ];
  if (c.failingGroups.length > 0 || c.opened.some((f) => f.status !== Status.Fail)) {
    candidates.push(COULD_NOT_CHECK_SEVERITY);
  }
  return candidates.reduce<Severity>((max, s) => (severityRank(s) > severityRank(max) ? s : max), 'info');
}

function findingBlock(f: Finding, label: string, opts: RenderOptions, pad: string): string[] {
  const lines = [
    `${pad}[${f.severity.toUpperCase()}] ${f.checkId}: ${neutralise(f.title)} (${label})`,
    ...(f.changes ? [`${pad}${INDENT}${neutralise(changeLine(f.changes))}`] : []),
    `${pad}${INDENT}Resource: ${neutralise(f.resource)}`,
    ...wrapDetail(f.detail, pad + INDENT),
  ];
  if (f.remediation) {
    const [first = '', ...rest] = neutraliseLines(f.remediation.text);
    lines.push(`${pad}${INDENT}Fix: ${first}`, ...rest.map((l) => `${pad}${INDENT.repeat(2)}${l}`));
    lines.push(...f.remediation.commands.map((cmd) => `${pad}${INDENT.repeat(2)}$ ${neutralise(cmd)}`));
  }
  lines.push(`${pad}${INDENT}Runbook: ${runbookLink(f.guideSection, opts)}`);
  return lines;
}

function resolvedBlock(f: StoredFinding, opts: RenderOptions): string[] {
  return [
    `- [${f.severity.toUpperCase()}] ${f.checkId}: ${neutralise(f.title)}`,
    `${INDENT}Resource: ${neutralise(f.resource)}`,
    `${INDENT}Open since ${f.openedAt}, seen in ${f.occurrences} run${f.occurrences === 1 ? '' : 's'}; resolved ${f.resolvedAt ?? ''}`.trimEnd(),
    `${INDENT}Runbook: ${runbookLink(f.guideSection, opts)}`,
  ];
}

/** The detail on one line: untrusted text never starts a line of its own (no forged `$ command`). */
function wrapDetail(detail: string, pad: string): string[] {
  const line = neutralise(detail).trimEnd();
  return line ? [`${pad}${line}`] : [];
}

function runbookLink(section: string, opts: RenderOptions): string {
  if (!opts.runbookUrl) return `"${section}" in the troubleshooting guide`;
  return `${opts.runbookUrl.replace(/#.*$/, '')}${guideAnchor(section)}`;
}

/** Root causes by effective severity (the worst of the cause and its symptoms), then as `sortBySeverity`. */
function byEffectiveSeverity(roots: Finding[], symptomsOf: (f: Finding) => Finding[]): Finding[] {
  const effective = new Map(
    roots.map((r) => [
      r,
      Math.max(severityRank(r.severity), ...symptomsOf(r).map((s) => severityRank(s.severity))),
    ]),
  );
  const bySeverity = sortBySeverity(roots);
  return [...bySeverity].sort(
    (a, b) => effective.get(b)! - effective.get(a)! || bySeverity.indexOf(a) - bySeverity.indexOf(b),
  );
}

function sortBySeverity(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.checkId.localeCompare(b.checkId) ||
      a.resource.localeCompare(b.resource),
  );
}

/** Printable ASCII only (SNS subjects). */
function ascii(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const note = '\n[... message truncated: see the run details for the full list]\n';
  let cut = text.slice(0, max - note.length);
  while (Buffer.byteLength(cut, 'utf8') > max - note.length) cut = cut.slice(0, -1000);
  return cut + note;
}
