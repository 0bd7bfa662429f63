import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/workspace-agents.js';
import type { Workspace } from '../../../lambdas/clients/coder-workloads.js';
import { coderDeployment, coderSnapshot, failed, NOW, workspace } from './fixtures.js';

const agent = (status: string, lifecycle_state = 'ready', name = 'main') => ({
  name,
  status,
  lifecycle_state,
});
const run = (workspaces: Workspace[], d = coderDeployment()) =>
  evaluateCheck(
    check,
    coderSnapshot({ workspaces: known({ workspaces, count: workspaces.length, truncated: false }) }),
    d,
    NOW,
  );

describe('Check: workspace-agents', () => {
  it('Compliance', () => {
    const stopped = workspace('c/stopped', 'pod-swdev', {}, [agent('disconnected')]);
    stopped.latest_build.transition = 'stop';
    const findings = run([
      workspace('a/dev'),
      workspace('b/new', 'pod-swdev', {}, [agent('connecting', 'created')]),
      stopped,
    ]);
    expect(findings).toEqual([expect.objectContaining({ status: 'pass', evidence: { started: 2 } })]);
  });

  it('Noncompliance 1: one finding per failure, counted by template, not one per user', () => {
    const findings = run([
      workspace('a/one', 'pod-swdev', {}, [agent('connected', 'start_error')]),
      workspace('b/two', 'pod-swdev', {}, [agent('connected', 'start_error')]),
      workspace('c/three', 'kubernetes-devcontainer', {}, [
        agent('connected', 'start_error'),
        agent('disconnected', 'ready', 'sidecar'),
      ]),
      workspace('d/four', 'pod-swdev', {}, [agent('timeout', 'created')]),
      workspace('e/five', 'pod-swdev', {}, [agent('connected', 'start_timeout')]),
    ]);
    const by = Object.fromEntries(findings.map((f) => [f.reason, f]));
    expect(Object.keys(by).sort()).toEqual([
      'disconnected',
      'startup-script-failed',
      'startup-timeout',
      'timeout',
    ]);
    expect(by['startup-script-failed']).toMatchObject({
      severity: 'medium',
      evidence: { count: 3, byTemplate: { 'pod-swdev': 2, 'kubernetes-devcontainer': 1 } },
      scope: { component: 'workspace', namespace: 'coder-ws' },
    });
    expect(by['startup-script-failed']!.remediation!.commands).toContain(
      'coder ssh a/one -- cat /tmp/coder-startup-script.log',
    );
    expect(by.disconnected).toMatchObject({ severity: 'high', evidence: { sample: ['c/three.sidecar'] } });
  });

  it('Noncompliance 2: names the node group when the workspaces have one node group', () => {
    const one = coderDeployment();
    const [f] = run([workspace('a/one', 'pod-swdev', {}, [agent('disconnected')])], {
      ...one,
      eks: { ...one.eks, nodegroups: ['sys', 'ws'], workspaceNodegroups: ['ws'] },
    });
    expect(f).toMatchObject({ scope: { nodegroup: 'ws' }, evidence: { nodegroup: 'ws' } });
    expect(f!.detail).toContain('node group ws');
    const [g] = run([workspace('a/one', 'pod-swdev', {}, [agent('disconnected')])], {
      ...one,
      eks: { ...one.eks, nodegroups: ['sys', 'ws-a', 'ws-b'], workspaceNodegroups: ['ws-a', 'ws-b'] },
    });
    expect(g!.scope).not.toHaveProperty('nodegroup');
  });

  it('Error when the workspaces could not be read; skipped (role-gap) when not all of them can be', () => {
    const snap = coderSnapshot({ workspaces: failed('Coder workspaces') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]!.status).toBe('error');
    const member = coderSnapshot({
      access: known({ username: 'coder-auditor', siteRoles: [], orgRoles: [] }),
    });
    expect(evaluateCheck(check, member, coderDeployment(), NOW)[0]).toMatchObject({
      status: 'skipped',
      reason: 'role-gap',
      detail: expect.stringMatching(/\(coder-auditor, Member\) cannot read every workspace/),
    });
  });
});
