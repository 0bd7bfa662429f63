import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/workspace-builds.js';
import type { Workspace } from '../../../lambdas/clients/coder-workloads.js';
import { coderDeployment, coderSnapshot, failed, minutesAgo, NOW, workspace } from './fixtures.js';

const run = (workspaces: Workspace[], over: Parameters<typeof coderSnapshot>[0] = {}) =>
  evaluateCheck(
    check,
    coderSnapshot({ workspaces: known({ workspaces, count: workspaces.length, truncated: false }), ...over }),
    coderDeployment(),
    NOW,
  );
const failedJob = (error: string, minutes = 10) => ({
  status: 'failed' as const,
  error,
  created_at: minutesAgo(minutes + 2),
  completed_at: minutesAgo(minutes),
});

describe('Check: workspace-builds', () => {
  it('Compliance', () => {
    const findings = run([
      workspace('alice/dev'),
      // A failure older than the window is not reported.
      workspace('old/ws', 'pod-swdev', failedJob('terraform apply: exit status 1', 120)),
      // A build pending for less than the threshold is normal.
      workspace('new/ws', 'pod-swdev', { status: 'pending', created_at: minutesAgo(3), started_at: null }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: 'pass', evidence: { count: 3, truncated: false } });
  });

  it('Noncompliance 1: failed builds grouped by cause, one finding per cause, with templates and samples', () => {
    const findings = run([
      workspace(
        'a/one',
        'pod-swdev',
        failedJob(
          'creating EC2 Instance: operation error EC2: RunInstances, api error RequestLimitExceeded: Request limit exceeded.',
        ),
      ),
      workspace('b/two', 'kubernetes-devcontainer', failedJob('ThrottlingException: Rate exceeded')),
      workspace(
        'c/three',
        'pod-swdev',
        failedJob('Error: creating EC2 Instance: VcpuLimitExceeded: You have requested more vCPU capacity'),
      ),
      workspace('d/four', 'pod-swdev', failedJob('Error: Unsupported argument on main.tf line 12')),
    ]);
    const byReason = Object.fromEntries(findings.map((f) => [f.reason, f]));
    expect(Object.keys(byReason).sort()).toEqual([
      'provider-throttling',
      'quota-exceeded',
      'terraform-error',
    ]);
    expect(byReason['provider-throttling']).toMatchObject({
      status: 'fail',
      severity: 'high',
      scope: { component: 'workspace', namespace: 'coder-ws' },
      evidence: {
        count: 2,
        templates: { 'pod-swdev': 1, 'kubernetes-devcontainer': 1 },
        workspaces: ['a/one', 'b/two'],
      },
    });
    expect(byReason['terraform-error']!.severity).toBe('medium');
    expect(byReason['quota-exceeded']!.remediation!.commands.join('\n')).toContain(
      'resourcequota -n coder-ws',
    );
  });

  it('Noncompliance 2: reaped jobs say why (pending: no provisioner; hung: timeout)', () => {
    const findings = run([
      workspace(
        'a/one',
        'pod-swdev',
        failedJob(
          'Coder: Build has been detected as pending for 30 minutes and has been terminated by the reaper.',
        ),
      ),
      workspace(
        'b/two',
        'pod-swdev',
        failedJob(
          'Coder: Build has been detected as hung for 5 minutes and has been terminated by the reaper.',
        ),
      ),
      workspace('c/three', 'pod-swdev', {
        ...failedJob('missing'),
        error_code: 'REQUIRED_TEMPLATE_VARIABLES',
      }),
    ]);
    expect(findings.map((f) => f.reason).sort()).toEqual(['missing-parameters', 'no-provisioner', 'timeout']);
    const none = findings.find((f) => f.reason === 'no-provisioner')!;
    expect(none.remediation!.commands).toContain('coder provisioner list --org coder');
    expect(none.remediation!.otherwise!.commands).not.toContain('coder provisioner list --org coder');
  });

  it('Noncompliance 3: builds pending or starting past the threshold', () => {
    const findings = run([
      workspace('a/one', 'pod-swdev', {
        status: 'pending',
        created_at: minutesAgo(20),
        started_at: null,
        completed_at: null,
      }),
      workspace('b/two', 'pod-swdev', {
        status: 'running',
        created_at: minutesAgo(25),
        started_at: minutesAgo(24),
        completed_at: null,
      }),
    ]);
    expect(findings.map((f) => [f.reason, f.severity])).toEqual([
      ['stuck-pending', 'high'],
      ['stuck-starting', 'medium'],
    ]);
    expect(findings[0]!.detail).toMatch(
      /^1 workspace build\(s\) pending for 15 minutes or more: templates "pod-swdev" \(1\)/,
    );
  });

  it("Noncompliance 4: a Terraform failure is classified from its job log (the job's error is only the exit status)", () => {
    const w = workspace('a/one', 'pod-swdev', failedJob('terraform apply: exit status 1'));
    const logs = {
      [w.latest_build.id]: known([
        'Error: creating EC2 Instance',
        'api error RequestLimitExceeded: Request limit exceeded.',
      ]),
    };
    const [f] = run([w], { jobLogs: logs });
    expect(f).toMatchObject({
      reason: 'provider-throttling',
      evidence: {
        logsRead: 1,
        errors: ['Error: creating EC2 Instance api error RequestLimitExceeded: Request limit exceeded.'],
      },
    });
    // Without its log the same build is only known as a Terraform error.
    expect(run([w], { jobLogs: { [w.latest_build.id]: failed('the job log') } })[0]).toMatchObject({
      reason: 'terraform-error',
      evidence: { logsRead: 0, errors: ['terraform apply: exit status 1'] },
    });
  });

  it('bounds and redacts the job errors it quotes', () => {
    const secret = 'password=hunter2hunter2';
    const [f] = run([workspace('a/one', 'pod-swdev', failedJob(`Error: ${secret} ${'x'.repeat(500)}`))]);
    expect(JSON.stringify(f)).not.toContain('hunter2');
    expect((f!.evidence.errors as string[])[0]!.length).toBeLessThanOrEqual(160);
  });

  it('says how many workspaces were read when the list was cut', () => {
    const snap = coderSnapshot({
      workspaces: known({ workspaces: [workspace('a/one')], count: 2500, truncated: true }),
    });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]!.detail).toContain(
      '1 of 2500 workspaces read (the rest not read)',
    );
  });

  it('Skipped (role-gap), never pass, when the token cannot read every workspace (Coder filters the list)', () => {
    const [f, ...rest] = run([], {
      access: known({ username: 'coder-auditor', siteRoles: ['auditor'], orgRoles: [] }),
    });
    expect(rest).toHaveLength(0);
    expect(f).toMatchObject({ status: 'skipped', reason: 'role-gap' });
    expect(f!.detail).toMatch(/\(coder-auditor, Auditor\) cannot read every workspace of the organization/);
    const [g] = run([], {
      access: known({ username: 'coder-auditor', siteRoles: [], orgRoles: ['organization-template-admin'] }),
    });
    expect(g!.status).toBe('pass');
  });

  it('Error when the workspaces or the roles could not be read', () => {
    expect(run([], { workspaces: failed('Coder workspaces') })[0]!.status).toBe('error');
    expect(run([], { access: failed("the Coder roles of the auditor's user") })[0]!.status).toBe('error');
  });
});
