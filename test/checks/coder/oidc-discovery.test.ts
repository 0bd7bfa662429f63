import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/oidc-discovery.js';
import type { OidcDiscovery } from '../../../lambdas/clients/coder.js';
import { coderDeployment, coderSnapshot, failed, ISSUER, NOW } from './fixtures.js';

const doc = (over: Partial<OidcDiscovery>): OidcDiscovery => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  scopes_supported: ['openid', 'profile', 'email', 'groups'],
  ...over,
});
const run = (d: OidcDiscovery) =>
  evaluateCheck(check, coderSnapshot({ oidc: known({ reachable: true, value: d }) }), coderDeployment(), NOW);

describe('Check: oidc-discovery', () => {
  it('Compliance', () => {
    expect(run(doc({}))[0]).toMatchObject({ status: 'pass', resource: ISSUER });
  });

  it('Noncompliance 1: issuer differs (trailing slash)', () => {
    const [f] = run(doc({ issuer: `${ISSUER}/` }));
    expect(f).toMatchObject({ status: 'fail', severity: 'high', evidence: { documentIssuer: `${ISSUER}/` } });
    expect(f!.remediation!.commands[0]).toBe(`curl -s ${ISSUER}/.well-known/openid-configuration | jq .`);
  });

  it('Noncompliance 2: groups scope not supported', () => {
    const [f] = run(doc({ scopes_supported: ['openid', 'profile', 'email'] }));
    expect(f).toMatchObject({ status: 'fail', evidence: { missingScopes: ['groups'] } });
  });

  it('Noncompliance 3: no token endpoint', () => {
    const [f] = run(doc({ token_endpoint: undefined }));
    expect(f!.detail).toContain('no token_endpoint');
  });

  it('Noncompliance 4: discovery unreachable', () => {
    const snap = coderSnapshot({
      oidc: known({ reachable: false, error: 'GET /.well-known/openid-configuration: HTTP 502' }),
    });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({
      status: 'fail',
      severity: 'high',
    });
  });

  it('passes (nothing to check) when OIDC is not configured', () => {
    const d = coderDeployment({ oidc: undefined });
    const [f] = evaluateCheck(check, coderSnapshot({ oidc: undefined }), d, NOW);
    expect(f).toMatchObject({ status: 'pass', severity: 'info' });
  });

  it('errors when the audit could not run the probe', () => {
    const snap = coderSnapshot({ oidc: failed('OIDC discovery document', 'aborted') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
