import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import type { Licence } from '../../../lambdas/checks/coder/collector.js';
import check from '../../../lambdas/checks/coder/provisioner-key-age.js';
import type { ProvisionerKey } from '../../../lambdas/clients/coder.js';
import { access, coderDeployment, coderSnapshot, failed, key, NOW } from './fixtures.js';

const run = (keys: ProvisionerKey[]) =>
  evaluateCheck(
    check,
    coderSnapshot({ provisionerKeys: known({ available: true, value: keys }) }),
    coderDeployment(),
    NOW,
  );

describe('Check: provisioner-key-age', () => {
  it('Compliance', () => {
    const findings = run([
      key('coder-prov', 30),
      key('built-in', 400),
      key('user-auth', 400),
      key('psk', 400),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: 'pass', resource: 'coder:coder/provisionerkey/coder-prov' });
  });

  it('Noncompliance 1: older than the 90-day policy', () => {
    const [f] = run([key('coder-prov', 120)]);
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'high',
      title: 'Provisioner key expired by policy',
      evidence: { ageDays: 120 },
    });
    expect(f!.remediation!.commands).toEqual([
      'NEW_KEY=$(coder provisioner keys create coder-prov-202506 --org coder --tag scope=organization | tail -n 1)',
      'kubectl create secret generic coder-provisioner-keys -n coder-prov --from-literal=key="${NEW_KEY:?the new key was not created}" --dry-run=client -o yaml | kubectl apply -f -',
      'kubectl rollout restart deployment -n coder-prov -l app.kubernetes.io/name=coder-provisioner',
      'kubectl rollout status deployment -n coder-prov -l app.kubernetes.io/name=coder-provisioner',
      'coder provisioner list --org coder',
      'coder provisioner keys delete coder-prov --org coder',
    ]);
    expect(f!.remediation!.text).toContain('provisionerDaemon.keySecretName');
    // The fix survives the redaction every finding's text goes through ("key secret: the ..." lost a word).
    expect(f!.remediation!.text).not.toContain('[REDACTED]');
  });

  it('Noncompliance 3: the key is stored and the provisioners restarted before the old key is deleted', () => {
    const [f] = run([key('coder-prov', 120)]);
    const cmds = f!.remediation!.commands;
    const at = (re: RegExp) => cmds.findIndex((c) => re.test(c));
    const create = at(/^NEW_KEY=\$\(coder provisioner keys create /);
    const store = at(/^kubectl create secret generic .*"\$\{NEW_KEY/);
    const restart = at(/^kubectl rollout restart /);
    const wait = at(/^kubectl rollout status /);
    const del = at(/^coder provisioner keys delete /);
    expect([create, store, restart, wait, del].every((i) => i >= 0)).toBe(true);
    expect(create < store && store < restart && restart < wait && wait < del).toBe(true);
  });

  it.each([
    [74, 'pass', undefined],
    [75, 'fail', 'medium'],
    [89, 'fail', 'medium'],
    [90, 'fail', 'high'],
  ])(
    'Noncompliance 4: a key %i days old is %s (%s): the warning starts at 75 days, expiry at 90',
    (age, status, severity) => {
      const [f] = run([key('coder-prov', age)]);
      expect(f!.status).toBe(status);
      if (severity) expect(f!.severity).toBe(severity);
    },
  );

  it('Noncompliance 2: rotation due (older than the warning threshold)', () => {
    const [f] = run([key('coder-prov-202503', 80)]);
    expect(f).toMatchObject({ status: 'fail', severity: 'medium' });
    expect(f!.remediation!.commands[0]).toContain('create coder-prov-202506 ');
  });

  it('Noncompliance 4: a 403 is never a pass: with a licence it is an error, whatever the message', () => {
    const snap = coderSnapshot({
      provisionerKeys: known({
        available: false,
        status: 403,
        message: 'Multiple Organizations is a Premium feature. Contact sales!',
      }),
    });
    const [f] = evaluateCheck(check, snap, coderDeployment(), NOW);
    expect(f).toMatchObject({ status: 'error', detail: expect.stringMatching(/HTTP 403/) });
  });

  it('is skipped as not applicable when the licence says so (a positive signal), visibly', () => {
    const licences: Licence[] = [
      { edition: 'enterprise', features: { multiple_organizations: false } },
      { edition: 'oss', features: {} },
    ];
    for (const licence of licences) {
      const [f] = evaluateCheck(check, coderSnapshot({ licence: known(licence) }), coderDeployment(), NOW);
      expect(f).toMatchObject({
        status: 'skipped',
        severity: 'info',
        detail: expect.stringMatching(/^Not applicable/),
      });
    }
  });

  it('Noncompliance 5: a role the list is filtered for (Auditor: 200 []) is skipped, not an empty pass', () => {
    const snap = coderSnapshot({
      provisionerKeys: known({ available: true, value: [] }),
      access: known(access(['auditor'])),
    });
    const [f] = evaluateCheck(check, snap, coderDeployment(), NOW);
    expect(f).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(/cannot read the provisioner keys/),
    });
    const unknown = coderSnapshot({ access: failed("the Coder roles of the auditor's user") });
    expect(evaluateCheck(check, unknown, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });

  it('errors when the keys could not be read', () => {
    const snap = coderSnapshot({ provisionerKeys: failed('Coder provisioner keys') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
