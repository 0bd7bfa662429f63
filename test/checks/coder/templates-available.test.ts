import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/templates-available.js';
import { access, acl, coderDeployment, coderSnapshot, failed, NOW, template } from './fixtures.js';

const run = (over: Parameters<typeof coderSnapshot>[0]) =>
  evaluateCheck(check, coderSnapshot(over), coderDeployment(), NOW);
const byName = (findings: ReturnType<typeof run>, name: string) =>
  findings.find((f) => f.resource.endsWith(`/${name}`))!;

describe('Check: templates-available', () => {
  it('Compliance', () => {
    const findings = run({});
    expect(findings.map((f) => [f.resource, f.status])).toEqual([
      ['coder:coder/template/kubernetes-devcontainer', 'pass'],
      ['coder:coder/template/pod-swdev', 'pass'],
    ]);
    expect(findings[0]!.evidence).toMatchObject({ groups: ['Everyone'] });
  });

  it('Noncompliance 1: empty ACL', () => {
    const f = byName(
      run({
        templateAcls: {
          ...coderSnapshot().templateAcls,
          'pod-swdev': known({ available: true, value: acl([]) }),
        },
      }),
      'pod-swdev',
    );
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'medium',
      guideSection: 'Template Not Appearing in Coder',
    });
    expect(f.remediation!.commands).toEqual([
      'terraform state show module.coder.coderd_template_acl.pod_swdev',
      'curl -H "Coder-Session-Token: $TOKEN" https://coder.example.com/api/v2/templates',
    ]);
  });

  it('Noncompliance 2: template missing from the organization', () => {
    const f = byName(run({ templates: known([template('kubernetes-devcontainer')]) }), 'pod-swdev');
    expect(f).toMatchObject({ status: 'fail', evidence: { found: ['kubernetes-devcontainer'] } });
    expect(f.remediation!.commands[0]).toBe('terraform state show module.coder.coderd_template.pod_swdev');
  });

  it('Noncompliance 3: deprecated template', () => {
    const templates = known([
      template('kubernetes-devcontainer'),
      template('pod-swdev', { deprecated: true, deprecation_message: 'use pod-swdev-v2' }),
    ]);
    const f = byName(run({ templates }), 'pod-swdev');
    expect(f).toMatchObject({ status: 'fail' });
    expect(f.detail).toContain('use pod-swdev-v2');
  });

  it('a user grant alone is enough', () => {
    const f = byName(
      run({
        templateAcls: {
          ...coderSnapshot().templateAcls,
          'pod-swdev': known({ available: true, value: acl([], ['alice']) }),
        },
      }),
      'pod-swdev',
    );
    expect(f).toMatchObject({ status: 'pass' });
  });

  it('passes without the Template RBAC licence (a positive signal: everyone in the organization can use it)', () => {
    const licence = known({ edition: 'enterprise' as const, features: { template_rbac: false } });
    const findings = run({ licence, templateAcls: {} });
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass']);
  });

  it('Noncompliance 4: a 403 on the ACL with the licence on is an error, never a pass', () => {
    const gated = known({
      available: false as const,
      status: 403,
      message: 'Template RBAC is a Premium feature. Contact sales!',
    });
    const findings = run({ templateAcls: { 'kubernetes-devcontainer': gated, 'pod-swdev': gated } });
    expect(findings.map((f) => f.status)).toEqual(['error', 'error']);
  });

  it('Noncompliance 5: a Member sees only templates shared with it: a missing one is skipped, not "not in organization"', () => {
    const f = byName(
      run({ templates: known([template('kubernetes-devcontainer')]), access: known(access([])) }),
      'pod-swdev',
    );
    expect(f).toMatchObject({ status: 'skipped', evidence: { roles: 'Member' } });
    expect(f.detail).toMatch(/cannot read every template; coder-token-role/);
  });

  it('errors one template whose ACL could not be read, and still evaluates the other', () => {
    const findings = run({
      templateAcls: { ...coderSnapshot().templateAcls, 'pod-swdev': failed('ACL of template pod-swdev') },
    });
    expect(byName(findings, 'pod-swdev')).toMatchObject({ status: 'error' });
    expect(byName(findings, 'kubernetes-devcontainer')).toMatchObject({ status: 'pass' });
  });

  it('errors when the templates could not be read', () => {
    expect(run({ templates: failed('Coder templates') })[0]).toMatchObject({ status: 'error' });
  });
});
