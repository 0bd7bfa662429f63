import { describe, expect, it } from 'vitest';
import { fingerprint, type Finding } from '../../lambdas/audit/model.js';
import { renderMarkdown, renderReports, renderTable } from '../../cli/report.js';
import { diagnose } from '../../lambdas/audit/diagnose.js';
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

// A high root cause that explains critical symptoms, and a medium failure of its own.
const cause = f('db-sg-allows-nodes', 'fail', 'high', {
  reason: 'no-ingress',
  remediation: {
    text: 'Allow 5432.\nThen check:',
    commands: ['aws ec2 authorize-security-group-ingress --group-id sg-1'],
  },
});
const symptom = f('coderd-ready', 'fail', 'critical', { reason: 'crash-loop', group: 'cluster' });
const alone = f('db-size', 'fail', 'medium', { reason: 'over-budget', group: 'database' });
const broken = f('aurora-recent-events', 'error', 'high', { evidence: { error: 'AccessDenied' } });
const passing = f('nlb-targets-healthy', 'pass', 'info');

function report(findings: Finding[], over: Partial<AuditReport> = {}): AuditReport {
  const { findings: linked, rootCauses } = diagnose(findings);
  return {
    deployment: 'prod',
    startedAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:00:01.500Z',
    findings: linked,
    rootCauses,
    summary: summarize(linked, {
      infra: { findings: 4, ms: 1500 },
      coder: { findings: 0, ms: 0, skipped: 'coder not configured' },
    }),
    calls: { total: 3, byOperation: {}, sumMs: 10, maxDepth: 2, duplicates: [] },
    ...over,
  };
}
const r = report([alone, symptom, cause, broken, passing]);

const CHANGES = {
  resourceName: 'sg-1',
  hours: 24,
  events: [
    {
      principal: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821',
      time: '2026-11-25T09:13:00Z',
      eventName: 'RevokeSecurityGroupIngress',
      eventId: 'e-1',
    },
  ],
};

describe('Function: renderTable (who changed the root cause)', () => {
  it('shows who changed the resource first in its block, and says so when nothing changed', () => {
    const changed = renderTable(report([{ ...cause, changes: CHANGES }, symptom]));
    const header = changed.indexOf('  FAIL  db-sg-allows-nodes');
    const line = changed.indexOf(
      '        changed by arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821 at 2026-11-25T09:13:00Z (RevokeSecurityGroupIngress)',
    );
    expect(line).toBeGreaterThan(header);
    expect(line).toBeLessThan(changed.indexOf('        severity: high, reason: no-ingress'));
    const quiet = renderTable(report([{ ...cause, changes: { ...CHANGES, events: [] } }]));
    expect(quiet).toContain('        no change in 24 h (CloudTrail)');
    const md = renderMarkdown(report([{ ...cause, changes: CHANGES }]));
    expect(md).toContain(
      '- **changed by arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821 at 2026-11-25T09:13:00Z \\(RevokeSecurityGroupIngress\\)**\n- Check: `db-sg-allows-nodes`',
    );
  });
});

describe('Function: renderTable', () => {
  const text = renderTable(r);
  it('leads with the root causes, by effective severity, each with its symptoms indented under it', () => {
    const order = [
      'CRITICAL  root cause 1 of 2  db-sg-allows-nodes/no-ingress: The DB security group admits no TCP 5432 from the nodes. (explains 1 more)',
      '  FAIL  db-sg-allows-nodes  Title | db-sg-allows-nodes',
      '        severity: high, reason: no-ingress',
      '    symptoms (1):',
      '    FAIL  coderd-ready  Title | coderd-ready',
      'MEDIUM  root cause 2 of 2  db-size/over-budget',
      'COULD NOT RUN (1 check)',
      '  ERROR aurora-recent-events',
      'Summary: 3 failing from 2 root causes, 1 could not run, 1 passing (1 critical, 2 high, 1 medium)',
    ].map((needle) => text.indexOf(needle));
    expect(
      order.every((i) => i >= 0),
      text,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('fix: Allow 5432.\n          Then check:');
    expect(text).toContain('$ aws ec2 authorize-security-group-ingress --group-id sg-1');
    expect(text).toContain('group coder skipped: coder not configured');
    expect(text).not.toContain('nlb-targets-healthy');
  });

  it('lists errors that share one cause once, after the notices', () => {
    const errors = ['eks-cluster-active', 'nodegroup-health', 'nodegroup-capacity'].map((id) =>
      f(id, 'error', 'high', { evidence: { error: 'could not read eks:DescribeCluster: no credentials' } }),
    );
    const t = renderTable(report(errors, { notices: ['No usable AWS credentials.'] }));
    expect(t.indexOf('! No usable AWS credentials.')).toBeLessThan(t.indexOf('COULD NOT RUN (3 checks)'));
    expect(t.split('no credentials').length - 1).toBe(1);
    expect(t).toContain('checks: eks-cluster-active, nodegroup-health, nodegroup-capacity');
  });

  it('uses colour only when asked', () => {
    expect(text).not.toContain('\x1b[');
    expect(renderTable(r, { colour: true })).toContain('\x1b[');
  });

  it('lists passes on request', () => {
    expect(renderTable(r, { showPasses: true })).toContain('pass  nlb-targets-healthy');
  });
});

describe('Function: renderMarkdown', () => {
  it('leads with a table of root causes, then each cause with its symptoms; escapes pipes, links the runbook', () => {
    const md = renderMarkdown(r, { runbookUrl: 'https://x/guide.md' });
    const order = [
      '## Root causes',
      '| 1 | critical | db-sg-allows-nodes/no-ingress: The DB security group admits no TCP 5432 from the nodes. | `r-db-sg-allows-nodes` | `coderd-ready` |',
      '| 2 | medium | db-size/over-budget: The database is larger than the size threshold. | `r-db-size` | - |',
      '## 1. HIGH: Title \\| db-sg-allows-nodes',
      '### Symptoms of root cause 1',
      '#### CRITICAL: Title \\| coderd-ready',
      '## 2. MEDIUM: Title \\| db-size',
      '## Could not run',
      '| `aurora-recent-events` | `r-aurora-recent-events` | AccessDenied |',
    ].map((needle) => md.indexOf(needle));
    expect(
      order.every((i) => i >= 0),
      md,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md).toContain('[Database Connection Errors](https://x/guide.md#database-connection-errors)');
    expect(md).toContain('```bash\naws ec2 authorize-security-group-ingress --group-id sg-1\n```');
  });
});

describe('Function: renderReports', () => {
  it('prints one report as an object and several as an array, the flat findings plus rootCauses', () => {
    const json = JSON.parse(renderReports([r], 'json')) as AuditReport;
    expect(json).toEqual(r);
    expect(json.rootCauses?.map((c) => c.checkId)).toEqual(['db-sg-allows-nodes', 'db-size']);
    expect(JSON.parse(renderReports([r, r], 'json'))).toHaveLength(2);
  });

  it('gives a report without rootCauses (older JSON) its root causes from the links', () => {
    const { rootCauses: _dropped, ...old } = r;
    const json = JSON.parse(renderReports([old], 'json')) as AuditReport;
    expect(json.rootCauses).toEqual(r.rootCauses);
  });
});

describe('Muted findings in the table and the markdown', () => {
  const mute = { until: '2026-12-31', by: 'data-team', because: 'nightly ETL' };
  const muted = f('db-long-running-queries', 'fail', 'critical', { reason: 'long-running', muted: mute });
  const lowered = f('db-size', 'fail', 'low', {
    reason: 'over-budget',
    group: 'database',
    severityOverride: { from: 'medium', because: 'small on purpose' },
  });
  const r = report([cause, muted, lowered, passing], {
    disabled: [{ check: 'oidc-discovery', reason: 'no OIDC here' }],
  });

  it('lists them apart, with until, by and because, and leaves them out of the causes and the severity counts', () => {
    const text = renderTable(r);
    expect(text).toMatch(
      /MUTED \(1\)\n {2}FAIL {2}db-long-running-queries\/long-running {2}r-db-long-running-queries {2}\(critical\)\n {8}muted until 2026-12-31, by data-team, because nightly ETL\n/,
    );
    expect(text).toContain('HIGH  root cause 1 of 2  db-sg-allows-nodes/no-ingress');
    expect(text).toContain('LOW  root cause 2 of 2  db-size/over-budget');
    expect(text).not.toMatch(/root cause \d of \d {2}db-long-running-queries/);
    expect(text).toMatch(
      /Summary: 3 failing from 2 root causes, 0 could not run, 1 passing \(1 high, 1 low\), 1 muted/,
    );
    expect(text).toContain('severity overridden from medium: small on purpose');
    expect(text).toContain('check oidc-discovery disabled by the configuration: no OIDC here');
  });

  it('takes a muted symptom out of its cause group: the group is ranked without it', () => {
    // coderd-ready/crash-loop is a symptom of db-sg-allows-nodes/no-ingress; muted, its critical does not
    // make the cause critical, and it is listed apart as the symptom it is.
    const quiet = { ...symptom, muted: mute };
    const t = renderTable(report([cause, quiet, alone]));
    expect(t).toContain('HIGH  root cause 1 of 2  db-sg-allows-nodes/no-ingress');
    expect(t).not.toContain('symptoms (');
    expect(t).toContain('MEDIUM  root cause 2 of 2  db-size/over-budget');
    expect(t).toMatch(
      /MUTED \(1\)\n {2}FAIL {2}coderd-ready\/crash-loop.*\n {8}muted until .*\n {8}symptom of root cause 1, db-sg-allows-nodes\/no-ingress \(r-db-sg-allows-nodes\)\n/,
    );
    expect(renderMarkdown(report([cause, quiet, alone]))).toContain(
      '| 1 | high | db-sg-allows-nodes/no-ingress: The DB security group admits no TCP 5432 from the nodes. | `r-db-sg-allows-nodes` | - |',
    );
  });

  it('keeps a muted cause as the root of the failures it explains that are not muted', () => {
    const t = renderTable(report([{ ...cause, muted: mute }, symptom, alone]));
    expect(t).toContain('CRITICAL  root cause 1 of 2  db-sg-allows-nodes/no-ingress');
    expect(t).toContain(
      '  muted, but it explains 1 failing finding that is not: its own severity does not count\n  MUTED db-sg-allows-nodes',
    );
    expect(t).toContain('still root cause 1 above: it explains failures that are not muted');
    const md = renderMarkdown(report([{ ...cause, muted: mute }, symptom, alone]));
    expect(md).toContain(
      '| 1 | critical | db-sg-allows-nodes/no-ingress: The DB security group admits no TCP 5432 from the nodes. (muted) |',
    );
    expect(md).toContain('- Muted: muted until 2026-12-31, by data-team, because nightly ETL');
  });

  it('gives markdown a Muted section and keeps muted findings out of the root causes', () => {
    const md = renderMarkdown(r);
    expect(md).toContain(
      '## Muted (1)\n\n- `db-long-running-queries` (reason `long-running`) `r-db-long-running-queries` (critical): muted until 2026-12-31, by data-team, because nightly ETL',
    );
    expect(md).not.toMatch(/\| \d \| critical \| db-long-running-queries/);
    expect(md).toContain('- Severity: severity overridden from medium: small on purpose');
    expect(md).toContain('## Disabled checks\n\n- `oidc-discovery`: no OIDC here');
  });
});
