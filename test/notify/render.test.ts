import { describe, expect, it } from 'vitest';
import { linkRootCauses } from '../../lambdas/audit/aggregate.js';
import { GuideSection } from '../../lambdas/audit/guide.js';
import type { Finding } from '../../lambdas/audit/model.js';
import { MAX_SUBJECT_CHARS, renderAlert } from '../../lambdas/notify/render.js';
import type { Changes, RunOutcome, StoredFinding } from '../../lambdas/store/findings-store.js';
import { finding } from '../store/fixtures.js';

const RUNBOOK = 'https://git.example.com/platform/docs/coder-troubleshooting-guide.md';

const sg = finding('db-sg-allows-nodes', 'fail', {
  severity: 'critical',
  resource: 'sg-0aurora00000000001',
  title: 'Aurora security group allows the EKS nodes on 5432',
  detail: 'sg-0aurora00000000001 has no ingress on tcp/5432 from node security group sg-0nodes000000000001.',
  remediation: {
    text: 'Allow the node security group to reach Aurora on 5432.',
    commands: [
      'aws ec2 authorize-security-group-ingress --group-id sg-0aurora00000000001 --protocol tcp --port 5432 --source-group sg-0nodes000000000001',
    ],
  },
  guideSection: GuideSection.DatabaseConnection,
});
const ready = finding('coderd-ready', 'fail', {
  severity: 'critical',
  reason: 'no-replica-available',
  resource: 'k8s:coder/deployment/coder',
  detail: '0/3 coderd replicas are Ready.',
  guideSection: GuideSection.NlbHealth,
});
const targets = finding('nlb-targets-healthy', 'fail', {
  reason: 'none-healthy',
  resource: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/coder/abc',
  guideSection: GuideSection.NlbHealth,
});
const quota = finding('ec2-vcpu-quota', 'fail', {
  severity: 'medium',
  reason: 'near-limit',
  resource: 'L-1216C47A',
});
const templates = finding('templates-available', 'error', { resource: 'prod', key: 'error' });

const resolvedPending: StoredFinding = {
  deployment: 'prod',
  fingerprint: 'fp-pending',
  checkId: 'pods-pending',
  group: 'cluster',
  status: 'resolved',
  result: 'fail',
  severity: 'high',
  resource: 'k8s:coder-ws/pod/ws-1',
  title: 'Pods are scheduled',
  detail: 'ws-1 Pending for 20 minutes.',
  guideSection: GuideSection.PodsPending,
  firstSeen: '2030-01-01T08:00:00.000Z',
  lastSeen: '2030-01-01T09:00:00.000Z',
  occurrences: 2,
  lastRun: 'exec-2',
  lastRunAt: '2030-01-01T10:00:00.000Z',
  openedBy: 'exec-0',
  openedAt: '2030-01-01T08:00:00.000Z',
  resolvedAt: '2030-01-01T10:00:00.000Z',
  resolvedBy: 'exec-2',
};

function outcome(changes: Partial<Changes>, over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    deployment: 'prod',
    executionId: 'exec-2',
    replay: false,
    notified: false,
    changes: { opened: [], escalated: [], resolved: [], failingGroups: [], causes: [], ...changes },
    ...over,
  };
}

const linked = (...findings: Finding[]): Finding[] => linkRootCauses(findings);

describe('Function: renderAlert', () => {
  it('renders nothing when nothing changed or the run was already notified', () => {
    expect(renderAlert(outcome({}))).toBeUndefined();
    expect(renderAlert(outcome({ resolved: [resolvedPending] }, { notified: true }))).toBeUndefined();
  });

  it('puts root causes first with their symptoms indented under them', () => {
    const [s, r, t, q] = linked(sg, ready, targets, quota) as [Finding, Finding, Finding, Finding];
    const alert = renderAlert(outcome({ opened: [s, r, t, q], resolved: [resolvedPending] }), {
      runbookUrl: RUNBOOK,
    });
    if (!alert) throw new Error('expected an alert');
    const text = alert.text;

    expect(alert.subject).toBe(
      '[coder-audit] prod: db-sg-allows-nodes (+2), ec2-vcpu-quota; 2 new critical, 1 new high, ...',
    );
    expect(alert.attributes).toEqual({ severity: 'critical', deployment: 'prod' });
    const order = [
      '== ROOT CAUSES ==',
      '[CRITICAL] db-sg-allows-nodes: Aurora security group allows the EKS nodes on 5432 (NEW)',
      '  Symptoms of this cause:',
      '    [CRITICAL] coderd-ready',
      '    [HIGH] nlb-targets-healthy',
      '== OTHER NEW AND ESCALATED ==',
      '[MEDIUM] ec2-vcpu-quota',
      '== RESOLVED ==',
      '- [HIGH] pods-pending: Pods are scheduled',
    ].map((needle) => text.indexOf(needle));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain(
      '    $ aws ec2 authorize-security-group-ingress --group-id sg-0aurora00000000001 --protocol tcp --port 5432 --source-group sg-0nodes000000000001',
    );
    expect(text).toContain(`  Runbook: ${RUNBOOK}#database-connection-errors`);
    expect(text).toContain(`      Runbook: ${RUNBOOK}#nlb-health-check-failures`);
    expect(text).toContain('      0/3 coderd replicas are Ready.');
    expect(text).toContain(
      '  Open since 2030-01-01T08:00:00.000Z, seen in 2 runs; resolved 2030-01-01T10:00:00.000Z',
    );
    expect(text.match(/\] nlb-targets-healthy:/g)).toHaveLength(1);
  });

  it("names who changed the root cause's resource first in its block", () => {
    const changes = {
      resourceName: 'sg-0aurora00000000001',
      hours: 24,
      events: [
        {
          principal: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821',
          time: '2030-01-01T09:13:00Z',
          eventName: 'RevokeSecurityGroupIngress',
          eventId: 'e-1',
        },
      ],
    };
    const [s, r] = linked({ ...sg, changes }, ready) as [Finding, Finding];
    const text = renderAlert(outcome({ opened: [s, r] }))!.text;
    expect(text).toContain(
      '[CRITICAL] db-sg-allows-nodes: Aurora security group allows the EKS nodes on 5432 (NEW)\n' +
        '  changed by arn:aws:sts::123456789012:assumed-role/terraform-ci/gha-run-4821 at 2030-01-01T09:13:00Z (RevokeSecurityGroupIngress)\n' +
        '  Resource: sg-0aurora00000000001',
    );
  });

  it('shows an already-open root cause above the new symptoms it explains', () => {
    const [s, r] = linked(sg, ready) as [Finding, Finding];
    const alert = renderAlert(outcome({ opened: [r], causes: [s] }), {
      consoleUrl: 'https://console.example/run/2',
    });
    expect(alert?.text).toMatch(
      /\[CRITICAL\] db-sg-allows-nodes: .* \(ALREADY OPEN\)\n[\s\S]*Symptoms of this cause:\n\n {4}\[CRITICAL\] coderd-ready: .* \(NEW\)/,
    );
    expect(alert?.text).toContain('Runbook: "Database Connection Errors" in the troubleshooting guide');
    expect(alert?.text.trimEnd().endsWith('Run details: https://console.example/run/2')).toBe(true);
    expect(alert?.subject).toBe('[coder-audit] prod: db-sg-allows-nodes (+1); 1 new critical');
  });

  it('orders root causes by effective severity: a medium cause of a critical symptom comes first', () => {
    const quotaCause = { ...quota, severity: 'medium' as const, reason: 'exceeded' };
    const degraded = finding('nodegroup-health', 'fail', {
      severity: 'critical',
      reason: 'vcpu-limit-exceeded',
      resource: 'ng-ws',
    });
    const high = finding('db-connections-usage', 'fail', { severity: 'high', reason: 'near-limit' });
    const [q, d, h] = linked(quotaCause, degraded, high) as [Finding, Finding, Finding];
    const alert = renderAlert(outcome({ opened: [q, d, h] }));
    const text = alert!.text;
    expect(text.indexOf('[MEDIUM] ec2-vcpu-quota')).toBeLessThan(text.indexOf('[HIGH] db-connections-usage'));
    expect(alert!.subject).toBe(
      '[coder-audit] prod: ec2-vcpu-quota (+1), db-connections-usage; 1 new critical, 1 new high, ...',
    );
  });

  it('labels escalations and uses the escalated severity', () => {
    const alert = renderAlert(
      outcome({ escalated: [{ finding: { ...quota, severity: 'high' }, from: 'medium' }] }),
    );
    expect(alert?.subject).toBe('[coder-audit] prod: ec2-vcpu-quota; 1 escalated');
    expect(alert?.attributes.severity).toBe('high');
    expect(alert?.text).toContain(
      '== NEW AND ESCALATED ==\n\n[HIGH] ec2-vcpu-quota: Title of ec2-vcpu-quota (ESCALATED from medium)',
    );
  });

  it('reports checks that could not run and failing groups apart, at medium severity', () => {
    const alert = renderAlert(
      outcome({
        opened: [templates],
        failingGroups: [{ group: 'database', consecutiveRuns: 3, error: 'TimeoutError: Task timed out' }],
      }),
    );
    expect(alert?.subject).toBe('[coder-audit] prod: 1 could not check, group database failing');
    expect(alert?.attributes.severity).toBe('medium');
    expect(alert?.text).toContain('== COULD NOT CHECK ==\n\n[HIGH] templates-available');
    expect(alert?.text).toContain(
      '- database: failed as a whole 3 runs in a row: TimeoutError: Task timed out',
    );
    expect(alert?.text).not.toContain('NEW AND ESCALATED');
  });

  it('sends resolved-only alerts at info severity', () => {
    const alert = renderAlert(outcome({ resolved: [resolvedPending] }));
    expect(alert?.subject).toBe('[coder-audit] prod: 1 resolved');
    expect(alert?.attributes.severity).toBe('info');
  });

  it('keeps the subject short enough for SNS', () => {
    const many = ['critical', 'high', 'medium', 'low'].map((severity, i) =>
      finding('db-size', 'fail', { severity: severity as Finding['severity'], resource: `db-${i}` }),
    );
    const alert = renderAlert(
      outcome(
        {
          opened: [...many, templates],
          escalated: [{ finding: quota, from: 'low' }],
          resolved: [resolvedPending],
          failingGroups: [
            { group: 'infra', consecutiveRuns: 3 },
            { group: 'coder', consecutiveRuns: 3 },
          ],
        },
        { deployment: 'a-very-long-deployment-name-for-the-production-cluster' },
      ),
    );
    expect(alert?.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    // Causes first (as many as fit, then "N more"), then counts (as many as fit).
    expect(alert?.subject).toBe(
      '[coder-audit] a-very-long-deployment-name-for-the-production-cluster: db-size x4, ec2-vcpu-quota',
    );
  });
});
