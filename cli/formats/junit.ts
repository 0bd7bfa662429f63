import { GROUP_IDS, type Finding } from '../../lambdas/audit/model.js';
import type { AuditReport } from '../../lambdas/audit/runner.js';
import { causeOf, fixText } from './context.js';

/**
 * JUnit XML as CI servers read it (the Jenkins xunit plugin's junit-10.xsd, which also covers what GitLab,
 * Azure DevOps and most JUnit reporters accept): one `testsuite` per deployment and check group, one
 * `testcase` per check and resource. A failing finding is a `failure`, a check that could not run an
 * `error`, a muted finding `skipped` (with "muted until ..., by ..., because ..."); passes are empty
 * test cases. A failure's `type` (the schema's "type of the assert") is the finding's reason code, the kind of
 * failure; its severity leads the message.
 */

/** Characters XML 1.0 does not allow: C0 controls but tab, LF and CR; U+FFFE and U+FFFF. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text safe in XML 1.0 content and attribute values: the five special characters as entities, and the
 * characters XML 1.0 does not allow at all (C0 controls but tab, LF, CR; U+FFFE, U+FFFF; lone surrogates)
 * dropped, since text from the audited system (log lines with ANSI escapes...) may hold them.
 */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replace(LONE_SURROGATE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

/** Seconds with at most three decimals (the schema's SUREFIRE_TIME). */
const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function body(r: AuditReport, f: Finding): string {
  const cause = causeOf(r, f);
  return [
    `resource: ${f.resource}`,
    f.reason ? `reason: ${f.reason}` : '',
    f.detail,
    cause ? `likely caused by: ${cause.checkId} (${cause.resource})` : '',
    f.remediation ? `fix: ${fixText(f)}` : '',
    `runbook: ${f.guideSection}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function testcase(r: AuditReport, f: Finding): string {
  const head = `    <testcase${attrs({ name: `${f.checkId} ${f.resource}`, classname: `${r.deployment}.${f.group}.${f.checkId}` })}`;
  if (f.status === 'pass') return `${head}/>`;
  if (f.muted) {
    const why = `muted until ${f.muted.until}, by ${f.muted.by}, because ${f.muted.because}`;
    return `${head}>\n      <skipped${attrs({ message: why })}>${xmlEscape(body(r, f))}</skipped>\n    </testcase>`;
  }
  const tag = f.status === 'error' ? 'error' : 'failure';
  const type = f.status === 'error' ? 'could-not-run' : (f.reason ?? f.severity);
  return (
    `${head}>\n      <${tag}${attrs({ type, message: `${f.severity.toUpperCase()}: ${f.title}` })}>` +
    `${xmlEscape(body(r, f))}</${tag}>\n    </testcase>`
  );
}

/** The reports as one JUnit XML document. */
export function toJUnit(reports: readonly AuditReport[]): string {
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, ms: 0 };
  for (const r of reports) {
    const groups = [...new Set(r.findings.map((f) => f.group))].sort(
      (a, b) => GROUP_IDS.indexOf(a) - GROUP_IDS.indexOf(b),
    );
    for (const g of groups) {
      const fs = r.findings.filter((f) => f.group === g);
      const failures = fs.filter((f) => f.status === 'fail' && !f.muted).length;
      const errors = fs.filter((f) => f.status === 'error' && !f.muted).length;
      const skipped = fs.filter((f) => f.muted).length;
      const ms = r.summary.groups[g]?.ms ?? 0;
      totals.tests += fs.length;
      totals.failures += failures;
      totals.errors += errors;
      totals.ms += ms;
      suites.push(
        `  <testsuite${attrs({
          name: `${r.deployment}/${g}`,
          tests: fs.length,
          failures,
          errors,
          skipped,
          time: seconds(ms),
          timestamp: r.startedAt.replace(/\.\d+Z$|Z$/, ''),
          package: `coder-audit.${r.deployment}`,
        })}>\n` +
          `    <properties>\n` +
          `      <property${attrs({ name: 'deployment', value: r.deployment })}/>\n` +
          `      <property${attrs({ name: 'group', value: g })}/>\n` +
          `    </properties>\n` +
          fs.map((f) => testcase(r, f)).join('\n') +
          (fs.length ? '\n' : '') +
          `  </testsuite>`,
      );
    }
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'coder-audit', tests: totals.tests, failures: totals.failures, errors: totals.errors, time: seconds(totals.ms) })}>\n` +
    suites.map((s) => s + '\n').join('') +
    '</testsuites>\n'
  );
}
