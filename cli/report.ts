import { guideAnchor } from '../lambdas/audit/guide.js';
import { SEVERITIES, type Finding, type Severity } from '../lambdas/audit/model.js';
import type { AuditReport } from '../lambdas/audit/runner.js';

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
  if (format === 'json') return JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n';
  return reports
    .map((r) => (format === 'markdown' ? renderMarkdown(r, opts) : renderTable(r, opts)))
    .join('\n');
}

function statusLabel(f: Finding): string {
  return f.status === 'fail' ? 'FAIL' : f.status === 'error' ? 'ERROR' : 'pass';
}

/** Failing and erroring findings that count: muted ones are listed apart. */
function problems(r: AuditReport): Finding[] {
  return r.findings.filter((f) => f.status !== 'pass' && !f.muted);
}

function mutedOf(r: AuditReport): Finding[] {
  return r.findings.filter((f) => f.status !== 'pass' && f.muted);
}

/** "muted until ..., by ..., because ..." */
export function muteLine(f: Finding): string {
  return f.muted ? `muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}` : '';
}

/** "severity overridden from high: ..." */
export function overrideLine(f: Finding): string {
  return f.severityOverride
    ? `severity overridden from ${f.severityOverride.from}: ${f.severityOverride.because}`
    : '';
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
    c(ANSI.bold, `coder-audit: deployment ${r.deployment}`) +
      c(ANSI.dim, `  (${r.startedAt}, ${dur} ms, ${r.calls.total} calls)`),
  );
  for (const n of r.notices ?? []) lines.push('', ...wrap(`! ${n}`, 100).map((l, i) => (i ? `  ${l}` : l)));
  const bad = problems(r);
  const shared = sharedErrorCauses(bad);
  const collapsed = new Set([...shared.values()].flat());
  for (const [cause, fs] of shared) {
    lines.push(
      '',
      c(ANSI.bold, `COULD NOT RUN (${fs.length} checks)`),
      ...wrap(`ERROR ${cause}`, 100).map((l) => `  ${l}`),
      ...wrap(`checks: ${fs.map((f) => f.checkId).join(', ')}`, 98).map((l) => `        ${l}`),
    );
  }
  for (const sev of SEVERITIES) {
    const group = bad.filter((f) => f.severity === sev && !collapsed.has(f));
    if (group.length === 0) continue;
    lines.push('', c(SEVERITY_COLOUR[sev] + ANSI.bold, `${sev.toUpperCase()} (${group.length})`));
    for (const f of group) {
      lines.push(
        `  ${c(SEVERITY_COLOUR[sev], statusLabel(f).padEnd(5))} ${c(ANSI.bold, f.checkId)}  ${f.title}`,
      );
      lines.push(`        resource: ${f.resource}`);
      if (f.rootCause) {
        const cause = r.findings.find((x) => x.fingerprint === f.rootCause);
        if (cause) lines.push(`        likely caused by: ${cause.checkId} (${cause.resource})`);
      }
      if (f.severityOverride) lines.push(...wrap(overrideLine(f), 92).map((l) => `        ${l}`));
      lines.push(...wrap(f.detail, 100).map((l) => `        ${l}`));
      if (f.remediation) {
        const [first = '', ...rest] = f.remediation.text.split('\n');
        lines.push(`        fix: ${first}`, ...rest.map((l) => `          ${l}`));
        for (const cmd of f.remediation.commands)
          lines.push(c(ANSI.green, `          $ ${cmd.replace(/\n/g, '\n            ')}`));
      }
      lines.push(c(ANSI.dim, `        runbook: ${f.guideSection}`));
    }
  }
  const muted = mutedOf(r);
  if (muted.length) {
    lines.push('', c(ANSI.dim + ANSI.bold, `MUTED (${muted.length})`));
    for (const f of muted) {
      lines.push(`  ${c(ANSI.dim, statusLabel(f).padEnd(5))} ${f.checkId}  ${f.resource}  (${f.severity})`);
      lines.push(...wrap(muteLine(f), 92).map((l) => c(ANSI.dim, `        ${l}`)));
    }
  }
  const passes = r.findings.filter((f) => f.status === 'pass');
  if (opts.showPasses && passes.length) {
    lines.push('', c(ANSI.green + ANSI.bold, `PASSED (${passes.length})`));
    for (const f of passes) lines.push(`  ${c(ANSI.green, 'pass ')} ${f.checkId}  ${f.resource}`);
  }
  const s = r.summary;
  const skipped = Object.entries(s.groups).filter(([, g]) => g.skipped);
  lines.push(
    '',
    `Summary: ${s.byStatus.fail} failing, ${s.byStatus.error} could not run, ${s.byStatus.pass} passing` +
      ` (${
        SEVERITIES.filter((x) => s.bySeverity[x])
          .map((x) => `${s.bySeverity[x]} ${x}`)
          .join(', ') || 'no problems'
      })` +
      (s.muted ? `, ${s.muted} muted` : ''),
  );
  for (const [g, v] of skipped) lines.push(c(ANSI.dim, `  group ${g} skipped: ${v.skipped}`));
  for (const d of r.disabled ?? [])
    lines.push(c(ANSI.dim, `  check ${d.check} disabled by the configuration: ${d.reason}`));
  if (bad.length === 0) lines.push(c(ANSI.green, 'No problems found.'));
  return lines.join('\n') + '\n';
}

/** Markdown report (for tickets and CI summaries). */
export function renderMarkdown(r: AuditReport, opts: RenderOptions = {}): string {
  const out: string[] = [
    `# coder-audit: ${r.deployment}`,
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
      out.push(`| ${f.severity} | ${f.status} | \`${f.checkId}\` | \`${f.resource}\` | ${md(f.title)} |`);
    out.push('');
    for (const f of bad) {
      const link = opts.runbookUrl
        ? `[${f.guideSection}](${opts.runbookUrl}${guideAnchor(f.guideSection)})`
        : f.guideSection;
      out.push(
        `## ${f.severity.toUpperCase()}: ${md(f.title)}`,
        '',
        `- Check: \`${f.checkId}\``,
        `- Resource: \`${f.resource}\``,
        `- Runbook: ${link}`,
        ...(f.severityOverride ? [`- Severity: ${md(overrideLine(f))}`] : []),
        '',
        md(f.detail),
        '',
      );
      if (f.remediation) {
        const [first = '', ...rest] = f.remediation.text.split('\n');
        out.push(`**Fix:** ${md(first)}`, '');
        // Continuation lines are a snippet (Helm values, a toleration): keep their indentation.
        if (rest.length) out.push('```yaml', ...rest, '```', '');
        out.push('```bash', ...f.remediation.commands, '```', '');
      }
    }
  }
  const muted = mutedOf(r);
  if (muted.length) {
    out.push(`## Muted (${muted.length})`, '');
    for (const f of muted)
      out.push(`- \`${f.checkId}\` \`${f.resource}\` (${f.severity}): ${md(muteLine(f))}`);
    out.push('');
  }
  if (r.disabled?.length) {
    out.push('## Disabled checks', '');
    for (const d of r.disabled) out.push(`- \`${d.check}\`: ${md(d.reason)}`);
    out.push('');
  }
  if (opts.showPasses) {
    out.push('## Passing', '');
    for (const f of r.findings.filter((x) => x.status === 'pass'))
      out.push(`- \`${f.checkId}\` ${f.resource}`);
    out.push('');
  }
  return out.join('\n');
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + word.length + 1 > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
