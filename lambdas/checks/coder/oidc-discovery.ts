import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { SkipReason } from '../../audit/model.js';
import { quote } from '../../audit/untrusted.js';
import { groupsDelivery, PROVIDER_NAMES, providerOfDocument } from '../oidc-groups.js';
import type { CoderSnapshot } from './collector.js';
import { oidcDiagnosis } from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when the issuer's discovery document answers, names exactly the configured issuer and supports the required scopes. */
export default defineCheck<CoderSnapshot>(CODER_META['oidc-discovery'], (snap, { deployment }) => {
  const oidc = deployment.coder?.oidc;
  if (!oidc || !snap.oidc) {
    const detail = 'Not applicable: OIDC is not configured (coder.oidc).';
    const resource = deployment.coder?.url ?? deployment.id;
    return [{ status: 'skipped', reason: SkipReason.NotApplicable, resource, detail, key: 'not-configured' }];
  }
  const issuer = oidc.issuerUrl;
  const probe = need(snap.oidc);
  const remediation = oidcDiagnosis(deployment, issuer);
  if (!probe.reachable) {
    const detail = `The discovery document of ${issuer} could not be read: ${probe.error}.`;
    const evidence = { issuer, error: probe.error };
    return [{ status: 'fail', reason: 'unreachable', resource: issuer, detail, evidence, remediation }];
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
      ? [
          {
            reason: 'issuer-mismatch',
            text: `its issuer ${quote(doc.issuer)} is not the configured '${issuer}' (exact match needed)`,
          },
        ]
      : []),
    ...(doc.authorization_endpoint
      ? []
      : [{ reason: 'incomplete', text: 'it has no authorization_endpoint' }]),
    ...(doc.token_endpoint ? [] : [{ reason: 'incomplete', text: 'it has no token_endpoint' }]),
    ...(missingScopes.length
      ? [{ reason: 'scopes-unsupported', text: `scopes_supported lacks ${missingScopes.join(', ')}` }]
      : []),
    ...(groupsExpected && groups.via === 'none'
      ? [
          {
            reason: 'no-groups',
            text: `group sync is expected (groups in coder.oidc.requiredScopes) but ${groups.setup}`,
          },
        ]
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
    const detail = `The discovery document of ${issuer} is inconsistent: ${problems.map((p) => p.text).join('; ')}.`;
    const reason = problems[0]!.reason;
    return [{ status: 'fail', reason, resource: issuer, detail, evidence, remediation }];
  }
  const via =
    groupsExpected && groups.via === 'claim'
      ? ` ${provider} delivers groups in the ${groups.claim} claim, not a scope (oidc-config checks CODER_OIDC_GROUP_FIELD).`
      : '';
  const detail = `The discovery document of ${issuer} matches the configuration.${via}`;
  return [{ status: 'pass', resource: issuer, detail, evidence }];
});
