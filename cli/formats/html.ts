import { createHash } from 'node:crypto';
import type { RootCause } from '../../lambdas/audit/causality.js';
import { GROUP_IDS, SEVERITIES, type Finding } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { causeLabel, rootCausesOfReport } from '../report.js';
import { runbookLink, type FormatContext } from './context.js';

/**
 * A single-file HTML report: no external asset (readable offline, attachable to a ticket), root causes first
 * with their symptoms under them, in the order and with the effective severities of the table (the report's
 * `rootCauses`), filters by severity and group. Every piece of text goes through the `markup`
 * template tag, which escapes what it interpolates unless it is markup this module built; a Content Security
 * Policy that allows only this file's own style and script (by hash) stops anything that would slip through.
 */

/** Markup built here: interpolated as is by `markup`. */
class Markup {
  public constructor(public readonly value: string) {}
}

/** Text as HTML: the five characters that matter in content and quoted attribute values, as entities. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(v: unknown): string {
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(String(v));
}

/**
 * Template tag: escapes every interpolated value except Markup (and arrays of it). Not named `html`, so that
 * Prettier leaves the markup as written (it reformats `html` templates, which would change the hashed
 * style and script).
 */
function markup(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += render(v) + (strings[i + 1] ?? '')));
  return new Markup(out);
}

/** Only http(s) links: a configured URL must not become `javascript:`. */
function safeHref(url: string | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#6e6e73;--line:#d2d2d7;--card:#f5f5f7;
--critical:#8e1fa8;--high:#c4161c;--medium:#9a6700;--low:#0969da;--info:#6e6e73;--ok:#1a7f37}
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f7;--bg:#161618;--muted:#a1a1a6;--line:#3a3a3c;--card:#1f1f22;
--critical:#d98ee6;--high:#ff7b72;--medium:#e3b341;--low:#79c0ff;--info:#a1a1a6;--ok:#56d364}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:70rem;padding:1rem 1.25rem 3rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
.meta,.why{color:var(--muted)}
.cause{font-weight:600;margin-bottom:.3rem}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;overflow-x:auto;white-space:pre-wrap}
article{border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:.6rem .9rem;margin:.6rem 0;background:var(--bg);overflow-wrap:anywhere}
article article{margin-left:1rem}
article[data-severity=critical]{border-left-color:var(--critical)}article[data-severity=high]{border-left-color:var(--high)}
article[data-severity=medium]{border-left-color:var(--medium)}article[data-severity=low]{border-left-color:var(--low)}
.sev{display:inline-block;min-width:5.5em;font-weight:600;text-transform:uppercase;font-size:.8em}
.sev.critical{color:var(--critical)}.sev.high{color:var(--high)}.sev.medium{color:var(--medium)}.sev.low{color:var(--low)}.sev.info{color:var(--info)}
.status{font-size:.8em;border:1px solid var(--line);border-radius:4px;padding:0 .35em;margin-right:.4em}
.notice{border:1px solid var(--medium);border-radius:6px;padding:.5rem .8rem;margin:.5rem 0}
.ok{color:var(--ok)}
form{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;position:sticky;top:0}
fieldset{border:0;margin:0;padding:0}legend{font-weight:600;padding:0;margin-right:.5rem;float:left}
label{margin-right:.75rem;white-space:nowrap}
table{border-collapse:collapse}td,th{padding:.1rem .75rem .1rem 0;text-align:left}
@media print{form{display:none}details{display:block}}
`;

const SCRIPT = `
(function () {
  var form = document.getElementById('filters');
  var findings = Array.prototype.slice.call(document.querySelectorAll('article.finding'));
  function checked(name) {
    var set = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[name=' + name + ']'), function (i) {
      if (i.checked) set[i.value] = true;
    });
    return set;
  }
  function apply() {
    var sev = checked('severity'), grp = checked('group');
    findings.forEach(function (a) {
      a.setAttribute('data-match', sev[a.getAttribute('data-severity')] && grp[a.getAttribute('data-group')] ? '1' : '0');
    });
    findings.forEach(function (a) {
      var inner = a.querySelector('article.finding[data-match="1"]');
      a.hidden = a.getAttribute('data-match') !== '1' && !inner;
    });
  }
  form.addEventListener('change', apply);
  apply();
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** What a root cause card says above its finding: rank, effective severity, `<check>/<reason>: message`. */
interface CauseLead {
  rank: number;
  of: number;
  rc: RootCause;
}

/** One finding; a cause carries its symptoms' cards (`inner`), which then do not repeat the cause. */
function findingCard(
  r: AuditReport,
  f: Finding,
  ctx: FormatContext,
  inner: Markup[] = [],
  nested = false,
  lead?: CauseLead,
): Markup {
  const link = safeHref(runbookLink(ctx, f.guideSection));
  const cause = f.rootCause ? r.findings.find((x) => x.fingerprint === f.rootCause) : undefined;
  const status = f.status === 'fail' ? 'FAIL' : f.status === 'error' ? 'COULD NOT RUN' : 'pass';
  const eff = lead?.rc.effectiveSeverity;
  return markup`<article class="finding" data-severity="${f.severity}" data-group="${f.group}">
${
  lead && eff
    ? markup`<div class="cause">Root cause ${lead.rank} of ${lead.of} · <span class="sev ${eff}">${eff}</span> with its symptoms · <code>${causeLabel(f)}</code>${
        inner.length ? markup` · explains ${inner.length} more` : ''
      }</div>
${
  lead.rc.muted
    ? markup`<div class="why">muted, but it explains ${inner.length} failing finding${inner.length === 1 ? '' : 's'} that ${inner.length === 1 ? 'is' : 'are'} not: its own severity does not count</div>`
    : ''
}`
    : ''
}
<div><span class="sev ${f.severity}">${f.severity}</span><span class="status">${status}</span><strong>${f.title}</strong> <code>${f.checkId}</code>${
    f.reason ? markup` reason <code>${f.reason}</code>` : ''
  }</div>
<div class="meta">resource <code>${f.resource}</code> · group ${f.group}${
    cause && !nested
      ? markup` · likely caused by <code>${cause.checkId}</code> on <code>${cause.resource}</code>`
      : ''
  }</div>
${f.severityOverride ? markup`<div class="why">severity overridden from ${f.severityOverride.from}: ${f.severityOverride.because}</div>` : ''}
${f.muted ? markup`<div class="why">muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}</div>` : ''}
<p>${f.detail}</p>
${
  f.remediation
    ? markup`<div><strong>Fix:</strong> ${f.remediation.text.split('\n')[0]}</div>${
        f.remediation.text.includes('\n')
          ? markup`<pre><code>${f.remediation.text.split('\n').slice(1).join('\n')}</code></pre>`
          : ''
      }${f.remediation.commands.length ? markup`<pre><code>${f.remediation.commands.join('\n')}</code></pre>` : ''}`
    : ''
}
<div class="meta">runbook: ${link ? markup`<a href="${link}">${f.guideSection}</a>` : f.guideSection}</div>
${inner.length ? markup`<h4>Symptoms of this cause (${inner.length})</h4>${inner}` : ''}
</article>
`;
}

function deploymentSection(r: AuditReport, ctx: FormatContext): Markup {
  const problems = r.findings.filter((f) => f.status !== 'pass' && !f.muted);
  const byFp = new Map(r.findings.map((f) => [f.fingerprint, f]));
  // The report's root causes, as the table orders them: effective severity (muted findings left out), then
  // the cause's own severity, then the number of symptoms.
  const causes = rootCausesOfReport(r).flatMap((rc) => {
    const cause = byFp.get(rc.fingerprint);
    if (!cause) return [];
    const symptoms = rc.symptoms.map((fp) => byFp.get(fp)).filter((x): x is Finding => x !== undefined);
    return [{ rc, cause, symptoms }];
  });
  const shown = new Set(causes.flatMap(({ cause, symptoms }) => [cause, ...symptoms]));
  const others = problems.filter((f) => !shown.has(f));
  const muted = r.findings.filter((f) => f.status !== 'pass' && f.muted);
  const passes = r.findings.filter((f) => f.status === 'pass');
  const s = r.summary;
  const ms = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  return markup`<section>
<h2>Deployment ${r.deployment}</h2>
<p class="meta">Audited ${r.startedAt} in ${ms} ms, ${r.calls.total} calls.</p>
<table><tr>${SEVERITIES.map((x) => markup`<th><span class="sev ${x}">${x}</span></th>`)}<th>muted</th><th>passing</th></tr>
<tr>${SEVERITIES.map((x) => markup`<td>${s.bySeverity[x]}</td>`)}<td>${s.muted ?? 0}</td><td>${s.byStatus.pass}</td></tr></table>
${(r.notices ?? []).map((n) => markup`<div class="notice">${n}</div>`)}
${problems.length === 0 ? markup`<p class="ok">No problems found.</p>` : ''}
${
  causes.length
    ? markup`<h3>Root causes (${causes.length})</h3>
<p class="meta">Fix these first, in this order: the findings under each one are its symptoms.</p>
${causes.map(({ rc, cause, symptoms }, i) =>
  findingCard(
    r,
    cause,
    ctx,
    symptoms.map((x) => findingCard(r, x, ctx, [], true)),
    false,
    { rank: i + 1, of: causes.length, rc },
  ),
)}`
    : ''
}
${
  others.length
    ? markup`<h3>${others.every((f) => f.status === 'error') ? 'Could not run' : 'Other problems'} (${others.length})</h3>${others.map((f) => findingCard(r, f, ctx))}`
    : ''
}
${muted.length ? markup`<h3>Muted (${muted.length})</h3>${muted.map((f) => findingCard(r, f, ctx))}` : ''}
${
  r.disabled?.length
    ? markup`<h3>Disabled checks</h3><ul>${r.disabled.map((d) => markup`<li><code>${d.check}</code>: ${d.reason}</li>`)}</ul>`
    : ''
}
${
  passes.length
    ? markup`<details><summary>Passing (${passes.length})</summary><ul>${passes.map(
        (f) => markup`<li><code>${f.checkId}</code> ${f.resource}</li>`,
      )}</ul></details>`
    : ''
}
</section>
`;
}

/** The reports as one self-contained HTML page. */
export function toHtml(reports: readonly AuditReport[], ctx: FormatContext): string {
  const groups = [...new Set([...GROUP_IDS, ...reports.flatMap((r) => r.findings.map((f) => f.group))])];
  const csp =
    `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; ` +
    "img-src 'none'; base-uri 'none'; form-action 'none'";
  const title = `coder-audit: ${reports.map((r) => r.deployment).join(', ')}`;
  const page = markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="coder-audit ${ctx.version}">
<title>${title}</title>
<style>${new Markup(STYLE)}</style>
</head>
<body>
<h1>${title}</h1>
<form id="filters" aria-label="Filters">
<fieldset><legend>Severity</legend>${SEVERITIES.map(
    (x) => markup`<label><input type="checkbox" name="severity" value="${x}" checked> ${x}</label>`,
  )}</fieldset>
<fieldset><legend>Group</legend>${groups.map(
    (g) => markup`<label><input type="checkbox" name="group" value="${g}" checked> ${g}</label>`,
  )}</fieldset>
</form>
${reports.map((r) => deploymentSection(r, ctx))}
<script>${new Markup(SCRIPT)}</script>
</body>
</html>
`;
  return page.value;
}
