import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import type { CoderSnapshot } from './collector.js';
import { oidcDiagnosis } from './lib.js';
import { CODER_META } from './meta.js';

/** Compliant when the issuer's discovery document answers, names exactly the configured issuer and supports the required scopes. */
export default defineCheck<CoderSnapshot>(CODER_META['oidc-discovery'], (snap, { deployment }) => {
  const oidc = deployment.coder?.oidc;
  if (!oidc || !snap.oidc) {
    const detail = 'OIDC is not configured (coder.oidc); nothing to check.';
    return [
      { status: 'pass', resource: deployment.coder?.url ?? deployment.id, detail, key: 'not-configured' },
    ];
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
  const missingScopes = oidc.requiredScopes.filter((s) => !supported.includes(s));
  const problems = [
    ...(doc.issuer !== issuer
      ? [
          {
            reason: 'issuer-mismatch',
            text: `its issuer '${doc.issuer}' is not the configured '${issuer}' (exact match needed)`,
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
  ];
  const evidence = {
    issuer,
    documentIssuer: doc.issuer,
    scopesSupported: supported,
    requiredScopes: oidc.requiredScopes,
    ...(missingScopes.length ? { missingScopes } : {}),
  };
  if (problems.length) {
    const detail = `The discovery document of ${issuer} is inconsistent: ${problems.map((p) => p.text).join('; ')}.`;
    const reason = problems[0]!.reason;
    return [{ status: 'fail', reason, resource: issuer, detail, evidence, remediation }];
  }
  const detail = `The discovery document of ${issuer} matches the configuration.`;
  return [{ status: 'pass', resource: issuer, detail, evidence }];
});
