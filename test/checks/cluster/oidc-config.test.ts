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

  it('Error when the deployments could not be read', () => {
    expect(only(run(check, { ...snapshot(), deployments: failed() })).status).toBe('error');
  });
});
