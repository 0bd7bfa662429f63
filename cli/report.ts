import { rootCausesOf, type RootCause } from '../lambdas/audit/causality.js';
import { guideAnchor } from '../lambdas/audit/guide.js';
import { changeLine, SEVERITIES, type Finding, type Severity } from '../lambdas/audit/model.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import {
  codeBlock,
  codeSpan,
  escapeMarkdown,
  neutralise,
  neutraliseLines,
} from '../lambdas/audit/untrusted.js';
import { metaOf } from '../lambdas/checks/meta.js';

import type { TerminalFormat } from './options.js';

export { FORMATS, type Format } from './options.js';

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  green: '\x1b[32m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
};
const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: ANSI.magenta,
  high: ANSI.red,
  medium: ANSI.yellow,
  low: ANSI.cyan,
  info: ANSI.dim,
};

export interface RenderOptions {
  colour?: boolean;
  /** Include passing findings (table/markdown). */
  showPasses?: boolean;
  /** Link base of the runbook, for markdown. */
  runbookUrl?: string;
}

/** Render one or more reports in the chosen format. */
export function renderReports(
  reports: readonly AuditReport[],
  format: TerminalFormat,
  opts: RenderOptions = {},
): string {
  if (format === 'json') {
    // The flat list of findings stays as it is; `rootCauses` says which of them to fix first.
    const json = reports.map((r) => ({ ...r, rootCauses: rootCausesOfReport(r) }));
    return JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + '\n';
  }
  return reports
    .map((r) => (format === 'markdown' ? renderMarkdown(r, opts) : renderTable(r, opts)))
    .join('\n');
}

function statusLabel(f: Finding): string {
  return f.status === 'fail' ? 'FAIL' : f.status === 'error' ? 'ERROR' : 'pass';
}

/** Failing and erroring findings that count: muted ones are listed apart. */
function problems(r: AuditReport): Finding[] {
  return r.findings.filter((f) => (f.status === 'fail' || f.status === 'error') && !f.muted);
}

function mutedOf(r: AuditReport): Finding[] {
  return r.findings.filter((f) => (f.status === 'fail' || f.status === 'error') && f.muted);
}

/** "muted until ..., by ..., because ..." */
export function muteLine(f: Finding): string {
  return f.muted
    ? neutralise(`muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}`)
    : '';
}

/** "severity overridden from high: ..." */
export function overrideLine(f: Finding): string {
  return f.severityOverride
    ? neutralise(`severity overridden from ${f.severityOverride.from}: ${f.severityOverride.because}`)
    : '';
}

/** Checks that did not evaluate (not applicable, or the token's role cannot read them): listed, never hidden. */
function skippedLines(r: AuditReport): string[] {
  return r.findings.filter((f) => f.status === 'skipped').map((f) => `${f.checkId}: ${neutralise(f.detail)}`);
}

/** `error` findings sharing one cause are listed once from this many on (e.g. no AWS credentials). */
export const COLLAPSE_ERRORS_AT = 3;

/** The underlying cause of an `error` finding: its reason without the leading "could not read <fact>: ". */
export function errorCause(f: Finding): string {
  const reason = typeof f.evidence.error === 'string' ? f.evidence.error : f.detail;
  return /^could not read .+?: (.+)$/s.exec(reason)?.[1] ?? reason;
}

/** Errors grouped by a cause shared by at least COLLAPSE_ERRORS_AT findings. */
function sharedErrorCauses(bad: readonly Finding[]): Map<string, Finding[]> {
  const byCause = new Map<string, Finding[]>();
  for (const f of bad.filter((x) => x.status === 'error'))
    byCause.set(errorCause(f), [...(byCause.get(errorCause(f)) ?? []), f]);
  return new Map([...byCause].filter(([, fs]) => fs.length >= COLLAPSE_ERRORS_AT));
}

/** The root causes of a report (a report without them, e.g. older JSON, gets them from its links). */
export function rootCausesOfReport(r: AuditReport): RootCause[] {
  return r.rootCauses ?? rootCausesOf(r.findings);
}

/** `<check>/<reason>`: the short name of what a finding reports (expectations and the causal graph use it). */
export function reasonKey(f: Pick<Finding, 'checkId' | 'reason'>): string {
  return `${f.checkId}${f.reason ? `/${f.reason}` : ''}`;
}

/** `<check>/<reason>: <message of the reason>`, from the check's metadata (neutralised: a report may be read back). */
export function causeLabel(f: Finding): string {
  const message = f.reason ? metaOf(f.checkId)?.reasons[f.reason]?.message : undefined;
  return neutralise(`${reasonKey(f)}${message ? `: ${message}` : ''}`);
}

/** A report's root causes with their findings (and the skipped findings they left unchecked), in report order. */
function causesOf(
  r: AuditReport,
): Array<{ rc: RootCause; cause: Finding; symptoms: Finding[]; unchecked: Finding[] }> {
  const byFp = new Map(r.findings.map((f) => [f.fingerprint, f]));
  const found = (fps: readonly string[] = []) =>
    fps.map((fp) => byFp.get(fp)).filter((f): f is Finding => f !== undefined);
  return rootCausesOfReport(r).flatMap((rc) => {
    const cause = byFp.get(rc.fingerprint);
    return cause ? [{ rc, cause, symptoms: found(rc.symptoms), unchecked: found(rc.unchecked) }] : [];
  });
}

/**
 * Where a muted finding stands among the root causes: the cause whose symptom it is, or the root cause it
 * still is (for failures that are not muted). Undefined when it stands alone.
 */
function mutedPlace(r: AuditReport, f: Finding, causes: ReturnType<typeof causesOf>): string | undefined {
  const i = causes.findIndex(({ cause }) => cause === f);
  if (i >= 0) return `still root cause ${i + 1} above: it explains failures that are not muted`;
  const cause = f.rootCause ? r.findings.find((x) => x.fingerprint === f.rootCause) : undefined;
  if (!cause) return undefined;
  const j = causes.findIndex((x) => x.cause === cause);
  return `symptom of ${j >= 0 ? `root cause ${j + 1}, ` : ''}${reasonKey(cause)} (${cause.resource})`;
}

/**
 * Terminal report that leads with what to fix: each root cause (ordered by effective severity, the worst
 * of the cause and its symptoms) with its symptoms indented under it; then the checks that could not run
 * (an error shared by several checks listed once), and those not checked; then the muted findings, apart,
 * which count neither for the effective severity nor for the summary's severities; colour only when asked.
 * Every text from the audited system is neutralised: it can neither drive the terminal nor start a line.
 */
export function renderTable(r: AuditReport, opts: RenderOptions = {}): string {
  const c = (code: string, s: string) => (opts.colour ? `${code}${s}${ANSI.reset}` : s);
  const lines: string[] = [];
  const dur = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  lines.push(
    c(ANSI.bold, `coder-audit: deployment ${neutralise(r.deployment)}`) +
      c(ANSI.dim, `  (${r.startedAt}, ${dur} ms, ${r.calls.total} calls)`),
  );
  for (const n of r.notices ?? [])
    lines.push('', ...wrap(`! ${neutralise(n)}`, 100).map((l, i) => (i ? `  ${l}` : l)));
  const block = (f: Finding, pad: string, label: string): string[] => {
    const sev = SEVERITY_COLOUR[f.severity];
    const out = [`${pad}${c(sev, label.padEnd(5))} ${c(ANSI.bold, f.checkId)}  ${neutralise(f.title)}`];
    const at = `${pad}      `;
    if (f.changes) out.push(c(ANSI.bold, `${at}${neutralise(changeLine(f.changes))}`));
    if (f.status === 'fail')
      out.push(`${at}severity: ${f.severity}${f.reason ? `, reason: ${neutralise(f.reason)}` : ''}`);
    if (f.severityOverride) out.push(...wrap(overrideLine(f), 100).map((l) => `${at}${l}`));
    if (f.muted) out.push(...wrap(muteLine(f), 100).map((l) => c(ANSI.dim, `${at}${l}`)));
    out.push(`${at}resource: ${neutralise(f.resource)}`);
    out.push(...wrap(neutralise(f.detail), 100).map((l) => `${at}${l}`));
    if (f.remediation) {
      const [first = '', ...rest] = neutraliseLines(f.remediation.text);
      out.push(`${at}fix: ${first}`, ...rest.map((l) => `${at}  ${l}`));
      for (const cmd of f.remediation.commands) out.push(c(ANSI.green, `${at}  $ ${neutralise(cmd)}`));
    }
    out.push(c(ANSI.dim, `${at}runbook: ${f.guideSection}`));
    return out;
  };
  const causes = causesOf(r);
  causes.forEach(({ rc, cause, symptoms, unchecked }, i) => {
    const sev = rc.effectiveSeverity;
    const explains = symptoms.length ? ` (explains ${symptoms.length} more)` : '';
    lines.push(
      '',
      c(SEVERITY_COLOUR[sev] + ANSI.bold, `${sev.toUpperCase()}  root cause ${i + 1} of ${causes.length}`) +
        c(ANSI.bold, `  ${causeLabel(cause)}${explains}`),
    );
    // A muted cause stays the root of the failures it explains that are not muted: say so, or the
    // accepted risk would hide what breaks them.
    if (rc.muted)
      lines.push(
        ...wrap(
          `muted, but it explains ${symptoms.length} failing finding${symptoms.length === 1 ? '' : 's'} that ` +
            `${symptoms.length === 1 ? 'is' : 'are'} not: its own severity does not count`,
          100,
        ).map((l) => `  ${l}`),
      );
    lines.push(...block(cause, '  ', rc.muted ? 'MUTED' : 'FAIL'));
    if (symptoms.length) {
      lines.push(`    symptoms (${symptoms.length}):`);
      for (const s of symptoms) lines.push(...block(s, '    ', 'FAIL'));
    }
    if (unchecked.length) {
      const ids = unchecked.map((s) => s.checkId).join(', ');
      lines.push(
        ...wrap(`not checked because of it (${unchecked.length}): ${ids}`, 96).map((l) => `    ${l}`),
      );
    }
  });
  const errors = problems(r).filter((f) => f.status === 'error');
  const shared = sharedErrorCauses(errors);
  const collapsed = new Set([...shared.values()].flat());
  for (const [cause, fs] of shared) {
    lines.push(
      '',
      c(ANSI.bold, `COULD NOT RUN (${fs.length} checks)`),
      ...wrap(`ERROR ${neutralise(cause)}`, 100).map((l) => `  ${l}`),
      ...wrap(`checks: ${fs.map((f) => f.checkId).join(', ')}`, 98).map((l) => `        ${l}`),
    );
  }
  const single = errors.filter((f) => !collapsed.has(f));
  if (single.length) {
    lines.push(
      '',
      c(ANSI.bold, `COULD NOT RUN (${single.length} ${single.length === 1 ? 'check' : 'checks'})`),
    );
    for (const f of single) lines.push(...block(f, '  ', 'ERROR'));
  }
  const muted = mutedOf(r);
  if (muted.length) {
    lines.push('', c(ANSI.dim + ANSI.bold, `MUTED (${muted.length})`));
    for (const f of muted) {
      lines.push(
        `  ${c(ANSI.dim, statusLabel(f).padEnd(5))} ${reasonKey(f)}  ${f.resource}  (${f.severity})`,
      );
      lines.push(...wrap(muteLine(f), 92).map((l) => c(ANSI.dim, `        ${l}`)));
      const where = mutedPlace(r, f, causes);
      if (where) lines.push(...wrap(where, 92).map((l) => c(ANSI.dim, `        ${l}`)));
    }
  }
  const passes = r.findings.filter((f) => f.status === 'pass');
  if (opts.showPasses && passes.length) {
    lines.push('', c(ANSI.green + ANSI.bold, `PASSED (${passes.length})`));
    for (const f of passes) lines.push(`  ${c(ANSI.green, 'pass ')} ${f.checkId}  ${neutralise(f.resource)}`);
  }
  const s = r.summary;
  const skipped = Object.entries(s.groups).filter(([, g]) => g.skipped);
  const roots = causes.length ? ` from ${causes.length} root cause${causes.length === 1 ? '' : 's'}` : '';
  lines.push(
    '',
    `Summary: ${s.byStatus.fail} failing${roots}, ${s.byStatus.error} could not run, ${s.byStatus.pass} passing` +
      (s.byStatus.skipped ? `, ${s.byStatus.skipped} not checked` : '') +
      ` (${
        SEVERITIES.filter((x) => s.bySeverity[x])
          .map((x) => `${s.bySeverity[x]} ${x}`)
          .join(', ') || 'no problems'
      })` +
      (s.muted ? `, ${s.muted} muted` : ''),
  );
  for (const [g, v] of skipped)
    lines.push(c(ANSI.dim, `  group ${g} skipped: ${neutralise(v.skipped ?? '')}`));
  for (const l of skippedLines(r))
    lines.push(...wrap(`skipped ${l}`, 98).map((w, i) => c(ANSI.dim, `  ${i ? '  ' : ''}${w}`)));
  for (const d of r.disabled ?? [])
    lines.push(c(ANSI.dim, `  check ${d.check} disabled by the configuration: ${neutralise(d.reason)}`));
  if (problems(r).length === 0) lines.push(c(ANSI.green, 'No problems found.'));
  return lines.join('\n') + '\n';
}

/**
 * Markdown report (for tickets and CI summaries): root causes first, each with its symptoms; then the checks
 * that could not run, those not checked, the muted findings and the disabled checks. Text from the audited
 * system is escaped in prose, and put in code spans and blocks that it cannot close.
 */
export function renderMarkdown(r: AuditReport, opts: RenderOptions = {}): string {
  const out: string[] = [
    `# coder-audit: ${escapeMarkdown(r.deployment)}`,
    '',
    `Started ${r.startedAt}, finished ${r.finishedAt}, ${r.calls.total} calls.`,
    '',
    ...(r.notices ?? []).flatMap((n) => [`> **${md(n)}**`, '']),
  ];
  const section = (f: Finding, heading: string): string[] => {
    const link = opts.runbookUrl
      ? `[${f.guideSection}](${opts.runbookUrl}${guideAnchor(f.guideSection)})`
      : f.guideSection;
    const lines = [
      `${heading} ${f.severity.toUpperCase()}: ${md(f.title)}`,
      '',
      ...(f.changes ? [`- **${md(changeLine(f.changes))}**`] : []),
      `- Check: ${codeSpan(f.checkId)}${f.reason ? ` (reason ${codeSpan(f.reason)})` : ''}`,
      `- Resource: ${codeSpan(f.resource)}`,
      `- Runbook: ${link}`,
      ...(f.severityOverride ? [`- Severity: ${md(overrideLine(f))}`] : []),
      ...(f.muted ? [`- Muted: ${md(muteLine(f))}`] : []),
      '',
      md(f.detail),
      '',
    ];
    if (f.remediation) {
      const [first = '', ...rest] = neutraliseLines(f.remediation.text);
      lines.push(`**Fix:** ${md(first)}`, '');
      // Continuation lines are a snippet (Helm values, a toleration): keep their indentation.
      if (rest.length) lines.push(...codeBlock(rest, 'yaml'), '');
      if (f.remediation.commands.length) lines.push(...codeBlock(f.remediation.commands, 'bash'), '');
    }
    return lines;
  };
  const causes = causesOf(r);
  const errors = problems(r).filter((f) => f.status === 'error');
  if (causes.length === 0 && errors.length === 0) out.push('No problems found.', '');
  if (causes.length) {
    out.push(
      '## Root causes',
      '',
      '| # | Severity | Root cause | Resource | Symptoms |',
      '| --- | --- | --- | --- | --- |',
      ...causes.map(
        ({ rc, cause, symptoms }, i) =>
          `| ${i + 1} | ${rc.effectiveSeverity} | ${md(causeLabel(cause))}${rc.muted ? ' (muted)' : ''} | ${cell(codeSpan(cause.resource))} | ${symptoms.map((s) => cell(codeSpan(s.checkId))).join(', ') || '-'} |`,
      ),
      '',
    );
    causes.forEach(({ cause, symptoms, unchecked }, i) => {
      out.push(...section(cause, `## ${i + 1}.`));
      if (unchecked.length)
        out.push(`Not checked because of it: ${unchecked.map((s) => codeSpan(s.checkId)).join(', ')}.`, '');
      if (symptoms.length) {
        out.push(`### Symptoms of root cause ${i + 1}`, '');
        for (const s of symptoms) out.push(...section(s, '####'));
      }
    });
  }
  if (errors.length) {
    out.push('## Could not run', '', '| Check | Resource | Why |', '| --- | --- | --- |');
    for (const f of errors)
      out.push(`| ${cell(codeSpan(f.checkId))} | ${cell(codeSpan(f.resource))} | ${md(errorCause(f))} |`);
    out.push('');
  }
  const notChecked = skippedLines(r);
  if (notChecked.length) out.push('## Not checked', '', ...notChecked.map((l) => `- ${md(l)}`), '');
  const muted = mutedOf(r);
  if (muted.length) {
    out.push(`## Muted (${muted.length})`, '');
    for (const f of muted) {
      const where = mutedPlace(r, f, causes);
      out.push(
        `- \`${f.checkId}\`${f.reason ? ` (reason ${codeSpan(f.reason)})` : ''} ${codeSpan(f.resource)} (${f.severity}): ` +
          `${md(muteLine(f))}${where ? `; ${md(where)}` : ''}`,
      );
    }
    out.push('');
  }
  if (r.disabled?.length) {
    out.push('## Disabled checks', '');
    for (const d of r.disabled) out.push(`- \`${d.check}\`: ${md(neutralise(d.reason))}`);
    out.push('');
  }
  if (opts.showPasses) {
    out.push('## Passing', '');
    for (const f of r.findings.filter((x) => x.status === 'pass'))
      out.push(`- ${codeSpan(f.checkId)} ${md(f.resource)}`);
    out.push('');
  }
  return out.join('\n');
}

/** A code span inside a table cell: GFM splits cells at any unescaped `|`, code spans included. */
function cell(span: string): string {
  return span.replace(/\|/g, '\\|');
}

/** Untrusted text in markdown prose: neutralised and escaped (tables included). */
function md(s: string): string {
  return escapeMarkdown(s);
}

/** Wrap at spaces; a word starting with `$` never starts a line (text cannot forge a `$ command` line). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + word.length + 1 > width && !word.startsWith('$')) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
