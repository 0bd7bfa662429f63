import { describe, expect, it } from 'vitest';
import { fingerprint, type Finding } from '../../lambdas/audit/model.js';
import { renderMarkdown, renderReports, renderTable } from '../../cli/report.js';
import { summarize, type AuditReport } from '../../lambdas/audit/runner.js';

function f(
  checkId: string,
  status: Finding['status'],
  severity: Finding['severity'],
  over: Partial<Finding> = {},
): Finding {
  return {
    checkId,
    group: 'infra',
    status,
    severity,
    resource: `r-${checkId}`,
    title: `Title | ${checkId}`,
    detail: `Detail of ${checkId}.`,
    evidence: {},
    guideSection: 'Database Connection Errors',
    fingerprint: fingerprint(checkId, `r-${checkId}`),
    ...over,
  };
}

const cause = f('db-sg-allows-nodes', 'fail', 'critical', {
  remediation: {
    text: 'Allow 5432.\nThen check:',
    commands: ['aws ec2 authorize-security-group-ingress --group-id sg-1'],
  },
});
const symptom = f('coderd-ready', 'fail', 'high', { rootCause: cause.fingerprint });
const broken = f('aurora-recent-events', 'error', 'high');
const passing = f('nlb-targets-healthy', 'pass', 'info');
const findings = [cause, symptom, broken, passing];
const report: AuditReport = {
  deployment: 'prod',
  startedAt: '2026-11-25T10:00:00.000Z',
  finishedAt: '2026-11-25T10:00:01.500Z',
  findings,
  summary: summarize(findings, {
    infra: { findings: 4, ms: 1500 },
    coder: { findings: 0, ms: 0, skipped: 'coder not configured' },
  }),
  calls: { total: 3, byOperation: {}, sumMs: 10, maxDepth: 2, duplicates: [] },
};

describe('Function: renderTable', () => {
  const text = renderTable(report);
  it('groups problems by severity, most severe first, with fixes and causes', () => {
    expect(text.indexOf('CRITICAL (1)')).toBeLessThan(text.indexOf('HIGH (2)'));
    expect(text).toContain('FAIL  db-sg-allows-nodes');
    expect(text).toContain('ERROR aurora-recent-events');
    expect(text).toContain('likely caused by: db-sg-allows-nodes (r-db-sg-allows-nodes)');
    expect(text).toContain('fix: Allow 5432.\n          Then check:');
    expect(text).toContain('$ aws ec2 authorize-security-group-ingress --group-id sg-1');
    expect(text).toMatch(/Summary: 2 failing, 1 could not run, 1 passing \(1 critical, 2 high\)/);
    expect(text).toContain('group coder skipped: coder not configured');
    expect(text).not.toContain('nlb-targets-healthy');
  });

  it('uses colour only when asked', () => {
    expect(text).not.toContain('\x1b[');
    expect(renderTable(report, { colour: true })).toContain('\x1b[');
  });

  it('lists passes on request', () => {
    expect(renderTable(report, { showPasses: true })).toContain('pass  nlb-targets-healthy');
  });
});

describe('Function: renderMarkdown', () => {
  it('escapes table pipes and links the runbook', () => {
    const md = renderMarkdown(report, { runbookUrl: 'https://x/guide.md' });
    expect(md).toContain(
      '| critical | fail | `db-sg-allows-nodes` | `r-db-sg-allows-nodes` | Title \\| db-sg-allows-nodes |',
    );
    expect(md).toContain('[Database Connection Errors](https://x/guide.md#database-connection-errors)');
    expect(md).toContain('```bash\naws ec2 authorize-security-group-ingress --group-id sg-1\n```');
  });
});

describe('Function: renderReports', () => {
  it('prints one report as an object and several as an array', () => {
    expect(JSON.parse(renderReports([report], 'json'))).toEqual(report);
    expect(JSON.parse(renderReports([report, report], 'json'))).toHaveLength(2);
  });
});

describe('Muted findings in the table and the markdown', () => {
  const muted = f('db-long-running-queries', 'fail', 'critical', {
    muted: { until: '2026-12-31', by: 'data-team', because: 'nightly ETL' },
  });
  const lowered = f('db-size', 'fail', 'low', {
    severityOverride: { from: 'medium', because: 'small on purpose' },
  });
  const all = [cause, muted, lowered, passing];
  const r: AuditReport = {
    ...report,
    findings: all,
    summary: summarize(all, report.summary.groups),
    disabled: [{ check: 'oidc-discovery', reason: 'no OIDC here' }],
  };

  it('lists them apart, with until, by and because, and leaves them out of the severity counts', () => {
    const text = renderTable(r);
    expect(text).toContain('MUTED (1)');
    expect(text).toMatch(
      /MUTED \(1\)\n {2}FAIL {2}db-long-running-queries {2}r-db-long-running-queries {2}\(critical\)/,
    );
    expect(text).toContain('muted until 2026-12-31, by data-team, because nightly ETL');
    expect(text).toMatch(/CRITICAL \(1\)\n {2}FAIL {2}db-sg-allows-nodes/);
    expect(text).toMatch(/Summary: 3 failing, 0 could not run, 1 passing \(1 critical, 1 low\), 1 muted/);
    expect(text).toContain('severity overridden from medium: small on purpose');
    expect(text).toContain('check oidc-discovery disabled by the configuration: no OIDC here');
  });

  it('gives markdown a Muted section and keeps muted findings out of the problem table', () => {
    const md = renderMarkdown(r);
    expect(md).toContain(
      '## Muted (1)\n\n- `db-long-running-queries` `r-db-long-running-queries` (critical): muted until 2026-12-31, by data-team, because nightly ETL',
    );
    expect(md).not.toMatch(/\| critical \| fail \| `db-long-running-queries`/);
    expect(md).toContain('- Severity: severity overridden from medium: small on purpose');
    expect(md).toContain('## Disabled checks\n\n- `oidc-discovery`: no OIDC here');
  });
});
