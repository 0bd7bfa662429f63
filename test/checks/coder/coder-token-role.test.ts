import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/coder-token-role.js';
import { access, coderDeployment, coderSnapshot, failed, NOW } from './fixtures.js';

const run = (site: string[], org: string[] = []) =>
  evaluateCheck(check, coderSnapshot({ access: known(access(site, org)) }), coderDeployment(), NOW);

describe('Check: coder-token-role', () => {
  it('Compliance: Owner reads everything', () => {
    expect(run(['owner'])).toMatchObject([{ status: 'pass', evidence: { roles: 'Owner', cannotRead: [] } }]);
  });

  it('Noncompliance 1: Auditor (templates only) is one medium finding naming the role to grant', () => {
    const [f] = run(['auditor']);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'medium',
      resource: 'coder:coder/user/coder-auditor',
      evidence: {
        cannotRead: [
          'the deployment health report',
          'the provisioner daemons',
          'the provisioner keys',
          'every workspace of the organization',
          'the provisioner jobs of the organization',
        ],
      },
    });
    expect(f!.detail).toMatch(/Grant the Owner role \(or Organization Template Admin of coder/);
    expect(f!.remediation!.commands[0]).toBe('coder users edit-roles coder-auditor --roles owner -y');
  });

  it('Noncompliance 2: a Member reads nothing the checks need', () => {
    const [f] = run([]);
    expect(f).toMatchObject({ status: 'fail', evidence: { roles: 'Member' } });
    expect(f!.evidence.cannotRead).toHaveLength(6);
  });

  it('Noncompliance 3: Organization Template Admin misses the health report only: low', () => {
    const [f] = run([], ['organization-template-admin']);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'low',
      evidence: { cannotRead: ['the deployment health report'] },
    });
    expect(f!.detail).toMatch(/Grant the Owner role\.$/);
  });

  it('Noncompliance 4: the site Template Admin cannot list daemons (coderd checks provisioner_jobs:read)', () => {
    const [f] = run(['template-admin']);
    // It reads every workspace (workspace:read) but not the provisioner jobs, gated like the daemons.
    expect(f!.evidence.cannotRead).toEqual([
      'the deployment health report',
      'the provisioner daemons',
      'the provisioner jobs of the organization',
    ]);
  });

  it('errors when the roles could not be read', () => {
    const snap = coderSnapshot({ access: failed("the Coder roles of the auditor's user") });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
