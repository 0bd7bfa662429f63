import { describe, expect, it } from 'vitest';
import { known } from '../../../lambdas/audit/fact.js';
import { evaluateCheck } from '../../../lambdas/audit/runner.js';
import check from '../../../lambdas/checks/coder/oidc-discovery.js';
import type { OidcDiscovery } from '../../../lambdas/clients/coder.js';
import { discoveryDocument, type IdpProvider } from '../../../sim/coder/idp.js';
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

  it('is skipped as not applicable when OIDC is not configured', () => {
    const d = coderDeployment({ oidc: undefined });
    const [f] = evaluateCheck(check, coderSnapshot({ oidc: undefined }), d, NOW);
    expect(f).toMatchObject({ status: 'skipped', severity: 'info' });
  });

  it('does not compare scopes when the document has no scopes_supported (only RECOMMENDED)', () => {
    expect(run(doc({ scopes_supported: undefined }))[0]).toMatchObject({ status: 'pass' });
  });

  describe('Real identity providers (their published discovery documents)', () => {
    /** The twin's document of `provider`, issued at the configured issuer. */
    const real = (provider: IdpProvider) =>
      discoveryDocument(provider, ISSUER, ISSUER) as unknown as OidcDiscovery;
    const runWith = (provider: IdpProvider, requiredScopes?: string[]) =>
      evaluateCheck(
        check,
        coderSnapshot({ oidc: known({ reachable: true, value: real(provider) }) }),
        coderDeployment({ oidc: { issuerUrl: ISSUER, ...(requiredScopes ? { requiredScopes } : {}) } }),
        NOW,
      )[0]!;

    it.each([
      ['entra', 'the groups claim'],
      ['cognito', 'the cognito:groups claim'],
    ] as const)(
      'Compliance: %s has no groups scope and delivers groups as a claim: no false alarm',
      (p, via) => {
        const f = runWith(p);
        expect(f).toMatchObject({ status: 'pass', evidence: { groupsVia: expect.stringContaining(via) } });
        expect(f.detail).toMatch(/not a scope \(oidc-config checks CODER_OIDC_GROUP_FIELD\)/);
      },
    );

    it('Compliance: Okta lists a groups scope (the runbook rule)', () => {
      expect(runWith('okta')).toMatchObject({ status: 'pass', evidence: { groupsVia: 'scope' } });
    });

    it('Noncompliance: Keycloak without a groups client scope refuses the groups scope coderd requests', () => {
      expect(runWith('keycloak')).toMatchObject({ status: 'fail', evidence: { missingScopes: ['groups'] } });
      expect(runWith('keycloak', ['openid', 'profile', 'email'])).toMatchObject({ status: 'pass' });
    });

    it('Noncompliance: Google delivers no groups at all, so expected group sync cannot work', () => {
      const f = runWith('google');
      expect(f).toMatchObject({ status: 'fail' });
      expect(f.detail).toContain("Google's ID tokens carry no groups");
      expect(runWith('google', ['openid', 'profile', 'email'])).toMatchObject({ status: 'pass' });
    });
  });

  it('errors when the audit could not run the probe', () => {
    const snap = coderSnapshot({ oidc: failed('OIDC discovery document', 'aborted') });
    expect(evaluateCheck(check, snap, coderDeployment(), NOW)[0]).toMatchObject({ status: 'error' });
  });
});
