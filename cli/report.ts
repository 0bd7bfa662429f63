import { guideAnchor } from '../lambdas/audit/guide.js';
import { SEVERITIES, type Finding, type Severity } from '../lambdas/audit/model.js';
import type { AuditReport } from '../lambdas/audit/runner.js';
import {
  codeBlock,
  codeSpan,
  escapeMarkdown,
  neutralise,
  neutraliseLines,
} from '../lambdas/audit/untrusted.js';

import type { Format } from './options.js';

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
  format: Format,
  opts: RenderOptions = {},
): string {
  if (format === 'json') return JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n';
  return reports
    .map((r) => (format === 'markdown' ? renderMarkdown(r, opts) : renderTable(r, opts)))
    .join('\n');
}

function statusLabel(f: Finding): string {
  return f.status === 'fail'
    ? 'FAIL'
    : f.status === 'error'
      ? 'ERROR'
      : f.status === 'skipped'
        ? 'skip'
        : 'pass';
}

function problems(r: AuditReport): Finding[] {
  return r.findings.filter((f) => f.status === 'fail' || f.status === 'error');
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

/** Terminal report grouped by severity; colour only when asked. */
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
  const bad = problems(r);
  const shared = sharedErrorCauses(bad);
  const collapsed = new Set([...shared.values()].flat());
  for (const [cause, fs] of shared) {
    lines.push(
      '',
      c(ANSI.bold, `COULD NOT RUN (${fs.length} checks)`),
      ...wrap(`ERROR ${neutralise(cause)}`, 100).map((l) => `  ${l}`),
      ...wrap(`checks: ${fs.map((f) => f.checkId).join(', ')}`, 98).map((l) => `        ${l}`),
    );
  }
  for (const sev of SEVERITIES) {
    const group = bad.filter((f) => f.severity === sev && !collapsed.has(f));
    if (group.length === 0) continue;
    lines.push('', c(SEVERITY_COLOUR[sev] + ANSI.bold, `${sev.toUpperCase()} (${group.length})`));
    for (const f of group) {
      lines.push(
        `  ${c(SEVERITY_COLOUR[sev], statusLabel(f).padEnd(5))} ${c(ANSI.bold, f.checkId)}  ${neutralise(f.title)}`,
      );
      lines.push(`        resource: ${neutralise(f.resource)}`);
      if (f.rootCause) {
        const cause = r.findings.find((x) => x.fingerprint === f.rootCause);
        if (cause) lines.push(`        likely caused by: ${cause.checkId} (${neutralise(cause.resource)})`);
      }
      lines.push(...wrap(neutralise(f.detail), 100).map((l) => `        ${l}`));
      if (f.remediation) {
        const [first = '', ...rest] = neutraliseLines(f.remediation.text);
        lines.push(`        fix: ${first}`, ...rest.map((l) => `          ${l}`));
        for (const cmd of f.remediation.commands) lines.push(c(ANSI.green, `          $ ${neutralise(cmd)}`));
      }
      lines.push(c(ANSI.dim, `        runbook: ${f.guideSection}`));
    }
  }
  const passes = r.findings.filter((f) => f.status === 'pass');
  if (opts.showPasses && passes.length) {
    lines.push('', c(ANSI.green + ANSI.bold, `PASSED (${passes.length})`));
    for (const f of passes) lines.push(`  ${c(ANSI.green, 'pass ')} ${f.checkId}  ${neutralise(f.resource)}`);
  }
  const s = r.summary;
  const skipped = Object.entries(s.groups).filter(([, g]) => g.skipped);
  lines.push(
    '',
    `Summary: ${s.byStatus.fail} failing, ${s.byStatus.error} could not run, ${s.byStatus.pass} passing` +
      (s.byStatus.skipped ? `, ${s.byStatus.skipped} not checked` : '') +
      ` (${
        SEVERITIES.filter((x) => s.bySeverity[x])
          .map((x) => `${s.bySeverity[x]} ${x}`)
          .join(', ') || 'no problems'
      })`,
  );
  for (const [g, v] of skipped)
    lines.push(c(ANSI.dim, `  group ${g} skipped: ${neutralise(v.skipped ?? '')}`));
  for (const l of skippedLines(r))
    lines.push(...wrap(`skipped ${l}`, 98).map((w, i) => c(ANSI.dim, `  ${i ? '  ' : ''}${w}`)));
  if (bad.length === 0) lines.push(c(ANSI.green, 'No problems found.'));
  return lines.join('\n') + '\n';
}

/** Markdown report (for tickets and CI summaries). */
export function renderMarkdown(r: AuditReport, opts: RenderOptions = {}): string {
  const out: string[] = [
    `# coder-audit: ${escapeMarkdown(r.deployment)}`,
    '',
    `Started ${r.startedAt}, finished ${r.finishedAt}, ${r.calls.total} calls.`,
    '',
    ...(r.notices ?? []).flatMap((n) => [`> **${md(n)}**`, '']),
  ];
  const bad = problems(r);
  if (bad.length === 0) out.push('No problems found.', '');
  else {
    out.push('| Severity | Status | Check | Resource | Title |', '| --- | --- | --- | --- | --- |');
    for (const f of bad)
      out.push(
        `| ${f.severity} | ${f.status} | ${cell(codeSpan(f.checkId))} | ${cell(codeSpan(f.resource))} | ${md(f.title)} |`,
      );
    out.push('');
    for (const f of bad) {
      const link = opts.runbookUrl
        ? `[${f.guideSection}](${opts.runbookUrl}${guideAnchor(f.guideSection)})`
        : f.guideSection;
      out.push(
        `## ${f.severity.toUpperCase()}: ${md(f.title)}`,
        '',
        `- Check: ${codeSpan(f.checkId)}`,
        `- Resource: ${codeSpan(f.resource)}`,
        `- Runbook: ${link}`,
        '',
        md(f.detail),
        '',
      );
      if (f.remediation) {
        const [first = '', ...rest] = neutraliseLines(f.remediation.text);
        out.push(`**Fix:** ${md(first)}`, '');
        // Continuation lines are a snippet (Helm values, a toleration): keep their indentation.
        if (rest.length) out.push(...codeBlock(rest, 'yaml'), '');
        out.push(...codeBlock(f.remediation.commands, 'bash'), '');
      }
    }
  }
  const notChecked = skippedLines(r);
  if (notChecked.length) out.push('## Not checked', '', ...notChecked.map((l) => `- ${md(l)}`), '');
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
