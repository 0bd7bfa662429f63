import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import check from '../../../lambdas/checks/cluster/oidc-config.js';
import { FULL_ENV, coderDeployment, deploymentConfig, failed, only, run, snapshot } from './fixtures.js';

const withEnv = (env: typeof FULL_ENV) => ({ ...snapshot(), deployments: known([coderDeployment({ env })]) });
const scopes = (value: string) => FULL_ENV.map((e) => (e.name === 'CODER_OIDC_SCOPES' ? { ...e, value } : e));

describe('Check: oidc-config', () => {
  it('Compliance', () => {
    const f = only(run(check, snapshot()));
    expect(f).toMatchObject({ status: 'pass', resource: 'k8s:coder/deployment/coder' });
  });

  it('Noncompliance 1: groups scope missing; remediation gives the exact value', () => {
    const f = only(run(check, withEnv(scopes('openid,profile,email'))));
    expect(f).toMatchObject({
      status: 'fail',
      severity: 'high',
      guideSection: 'OIDC Authentication Failures',
    });
    expect(f.detail).toContain('lacks groups');
    expect(f.remediation?.text).toContain('value: "openid,profile,email,groups"');
    expect(f.remediation?.commands[0]).toBe('kubectl exec -it deploy/coder -n coder -- env | grep OIDC');
  });

  it('Noncompliance 2: unset scopes fall back to coderd defaults; required list from config', () => {
    const env = FULL_ENV.filter((e) => e.name !== 'CODER_OIDC_SCOPES');
    const cfg = deploymentConfig({
      coder: {
        url: 'https://coder.example.com',
        tokenSecretId: 't',
        oidc: { issuerUrl: 'https://idp.example.com', requiredScopes: ['openid', 'offline_access'] },
      },
    });
    const f = only(run(check, withEnv(env), cfg));
    expect(f.detail).toContain('lacks offline_access');
    expect(f.evidence).toMatchObject({ CODER_OIDC_SCOPES: 'unset (coderd default openid,profile,email)' });
  });

  it('Noncompliance 3: no issuer', () => {
    const f = only(run(check, withEnv(FULL_ENV.filter((e) => e.name !== 'CODER_OIDC_ISSUER_URL'))));
    expect(f.detail).toContain('CODER_OIDC_ISSUER_URL is not set');
  });

  it('Secret references are reported, never read', () => {
    const env = [
      ...FULL_ENV.filter((e) => e.name !== 'CODER_OIDC_SCOPES'),
      { name: 'CODER_OIDC_SCOPES', valueFrom: { secretKeyRef: { name: 'oidc', key: 'scopes' } } },
    ];
    const f = only(run(check, withEnv(env)));
    expect(f.status).toBe('error');
    expect(f.evidence).toMatchObject({ CODER_OIDC_SCOPES: 'from secret oidc/scopes, not read' });
  });

  it('Compliance: OIDC not used (no coder.oidc in the config, no CODER_OIDC_* variable)', () => {
    const env = FULL_ENV.filter((e) => !e.name.startsWith('CODER_OIDC_'));
    const f = only(run(check, withEnv(env)));
    expect(f).toMatchObject({ status: 'pass' });
    expect(f.detail).toContain('OIDC not used');
  });

  it('Variables from envFrom (Helm coder.envFrom) cannot be verified: error, not "not set"', () => {
    const oidc = deploymentConfig({
      coder: {
        url: 'https://coder.example.com',
        tokenSecretId: 't',
        oidc: { issuerUrl: 'https://idp.example.com' },
      },
    });
    const dep = coderDeployment({ env: FULL_ENV.filter((e) => !e.name.startsWith('CODER_OIDC_')) });
    dep.spec!.template.spec!.containers[0]!.envFrom = [{ secretRef: { name: 'coder-oidc-env' } }];
    const snap = { ...snapshot(), deployments: known([dep]) };
    const f = only(run(check, snap, oidc));
    expect(f.status).toBe('error');
    expect(f.detail).toContain('from envFrom secret coder-oidc-env, not read');
    expect(f.remediation).toBeUndefined();
    // Issuer in env, scopes possibly in envFrom: still unknown.
    dep.spec!.template.spec!.containers[0]!.env = FULL_ENV.filter((e) => e.name !== 'CODER_OIDC_SCOPES');
    expect(only(run(check, snap, oidc))).toMatchObject({
      status: 'error',
      evidence: { CODER_OIDC_SCOPES: 'from envFrom secret coder-oidc-env, not read' },
    });
    // Everything in env: envFrom does not matter (env wins over envFrom).
    dep.spec!.template.spec!.containers[0]!.env = FULL_ENV;
    expect(only(run(check, snap, oidc)).status).toBe('pass');
  });

  describe('Providers that deliver groups in a claim, not a scope', () => {
    const idp = (issuer: string, extra: typeof FULL_ENV = []) => [
      ...FULL_ENV.filter((e) => !['CODER_OIDC_ISSUER_URL', 'CODER_OIDC_SCOPES'].includes(e.name)),
      { name: 'CODER_OIDC_ISSUER_URL', value: issuer },
      { name: 'CODER_OIDC_SCOPES', value: 'openid,profile,email,offline_access' },
      ...extra,
    ];
    const ENTRA = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0';
    const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

    it('Compliance: Entra ID with CODER_OIDC_GROUP_FIELD and no groups scope (Coder docs for Entra)', () => {
      const f = only(run(check, withEnv(idp(ENTRA, [{ name: 'CODER_OIDC_GROUP_FIELD', value: 'groups' }]))));
      expect(f).toMatchObject({ status: 'pass' });
    });

    it('Noncompliance 4: Entra ID without CODER_OIDC_GROUP_FIELD: the missing groups configuration is found', () => {
      const f = only(run(check, withEnv(idp(ENTRA))));
      expect(f).toMatchObject({ status: 'fail' });
      expect(f.detail).toContain(
        'CODER_OIDC_GROUP_FIELD is not set: Microsoft Entra ID delivers groups in the groups claim',
      );
      expect(f.detail).not.toContain('lacks groups');
      expect(f.remediation!.text).toContain('- name: CODER_OIDC_GROUP_FIELD\n      value: "groups"');
      expect(f.remediation!.text).not.toContain('CODER_OIDC_SCOPES');
    });

    it('Noncompliance 5: Cognito reads cognito:groups', () => {
      const f = only(run(check, withEnv(idp(COGNITO))));
      expect(f.remediation!.text).toContain('value: "cognito:groups"');
    });

    it('Noncompliance 6: Google has no groups: expected group sync cannot work (never advise a groups scope)', () => {
      const f = only(run(check, withEnv(idp('https://accounts.google.com'))));
      expect(f).toMatchObject({ status: 'fail' });
      expect(f.detail).toContain("group sync is expected but Google's ID tokens carry no groups");
      const cfg = deploymentConfig({
        coder: {
          url: 'https://coder.example.com',
          tokenSecretId: 't',
          oidc: { issuerUrl: 'https://accounts.google.com', requiredScopes: ['openid', 'profile', 'email'] },
        },
      });
      expect(only(run(check, withEnv(idp('https://accounts.google.com')), cfg))).toMatchObject({
        status: 'pass',
      });
    });
  });

  it('Error when the deployments could not be read', () => {
    expect(only(run(check, { ...snapshot(), deployments: failed() })).status).toBe('error');
  });
});
