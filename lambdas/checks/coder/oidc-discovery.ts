import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { quote } from '../../audit/untrusted.js';
import { groupsDelivery, PROVIDER_NAMES, providerOfDocument } from '../oidc-groups.js';
import type { CoderSnapshot } from './collector.js';
import { oidcDiagnosis } from './lib.js';

/** Compliant when the issuer's discovery document answers, names exactly the configured issuer and supports the required scopes. */
export default defineCheck<CoderSnapshot>(
  {
    id: 'oidc-discovery',
    group: 'coder',
    severity: 'high',
    title: 'OIDC issuer discovery is consistent',
    description:
      'Reads <issuer>/.well-known/openid-configuration: it must answer, its issuer must equal ' +
      'coder.oidc.issuerUrl exactly, it must list the authorization and token endpoints and support ' +
      'coder.oidc.requiredScopes.',
    risk: 'coderd cannot start the login flow or rejects the ID tokens: users cannot log in.',
    guideSection: GuideSection.Oidc,
  },
  (snap, { deployment }) => {
    const oidc = deployment.coder?.oidc;
    if (!oidc || !snap.oidc) {
      const detail = 'Not applicable: OIDC is not configured (coder.oidc).';
      return [
        {
          status: 'skipped',
          resource: deployment.coder?.url ?? deployment.id,
          detail,
          key: 'not-configured',
        },
      ];
    }
    const issuer = oidc.issuerUrl;
    const probe = need(snap.oidc);
    const remediation = oidcDiagnosis(deployment, issuer);
    if (!probe.reachable) {
      const detail = `The discovery document of ${issuer} could not be read: ${probe.error}.`;
      return [
        { status: 'fail', resource: issuer, detail, evidence: { issuer, error: probe.error }, remediation },
      ];
    }
    const doc = probe.value;
    const supported = doc.scopes_supported ?? [];
    // `groups` in requiredScopes means "group sync is expected": a scope only where the provider has one.
    const groupsExpected = oidc.requiredScopes.includes('groups');
    const groups = groupsDelivery(providerOfDocument(doc), doc.scopes_supported);
    const required =
      groups.via === 'scope' ? oidc.requiredScopes : oidc.requiredScopes.filter((s) => s !== 'groups');
    // scopes_supported is only RECOMMENDED by OpenID Connect Discovery: without it nothing can be compared.
    const missingScopes = doc.scopes_supported ? required.filter((s) => !supported.includes(s)) : [];
    const provider = PROVIDER_NAMES[groups.provider];
    const problems = [
      ...(doc.issuer !== issuer
        ? [`its issuer ${quote(doc.issuer)} is not the configured '${issuer}' (exact match needed)`]
        : []),
      ...(doc.authorization_endpoint ? [] : ['it has no authorization_endpoint']),
      ...(doc.token_endpoint ? [] : ['it has no token_endpoint']),
      ...(missingScopes.length ? [`scopes_supported lacks ${missingScopes.join(', ')}`] : []),
      ...(groupsExpected && groups.via === 'none'
        ? [`group sync is expected (groups in coder.oidc.requiredScopes) but ${groups.setup}`]
        : []),
    ];
    const evidence = {
      issuer,
      documentIssuer: doc.issuer,
      scopesSupported: supported,
      requiredScopes: oidc.requiredScopes,
      provider,
      groupsVia: groups.via === 'claim' ? `the ${groups.claim} claim (${groups.setup})` : groups.via,
      ...(missingScopes.length ? { missingScopes } : {}),
    };
    if (problems.length) {
      const detail = `The discovery document of ${issuer} is inconsistent: ${problems.join('; ')}.`;
      return [{ status: 'fail', resource: issuer, detail, evidence, remediation }];
    }
    const via =
      groupsExpected && groups.via === 'claim'
        ? ` ${provider} delivers groups in the ${groups.claim} claim, not a scope (oidc-config checks CODER_OIDC_GROUP_FIELD).`
        : '';
    const detail = `The discovery document of ${issuer} matches the configuration.${via}`;
    return [{ status: 'pass', resource: issuer, detail, evidence }];
  },
);
