import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { groupSync } from '../oidc-groups.js';
import type { ClusterSnapshot } from './collector.js';
import { oidcEnvFix } from './config-remediation.js';
import { CLUSTER_META } from './meta.js';
import { containerEnv, templateContainer } from './pods.js';

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'groups'];

/** What coderd uses when CODER_OIDC_SCOPES is unset. */
const CODER_DEFAULT = 'openid,profile,email';

/**
 * Compliant when coderd has an OIDC issuer and CODER_OIDC_SCOPES includes every required scope, or when OIDC
 * is not used (coder.oidc not configured and no CODER_OIDC_* variable). Values from envFrom are not read.
 */
export default defineCheck<ClusterSnapshot>(CLUSTER_META['oidc-config'], (snap, { deployment: d }) => {
  const ns = d.namespaces.coderd;
  const name = d.coderd.deploymentName;
  const resource = `k8s:${ns}/deployment/${name}`;
  const dep = need(snap.deployments).find((x) => x.metadata?.name === name);
  if (!dep) return [{ status: 'error', resource, detail: `Deployment ${name} not found in ${ns}.` }];
  const env = containerEnv(templateContainer(dep, 'coder'));
  if (!d.coder?.oidc && !env.names.some((k) => k.startsWith('CODER_OIDC_'))) {
    const also = env.envFrom.length ? ` (envFrom ${env.envFrom.join(', ')} not read)` : '';
    const detail = `OIDC not used: coder.oidc is not configured and coderd sets no CODER_OIDC_* variable${also}.`;
    return [{ status: 'pass', resource, detail, evidence: { envFrom: env.envFrom } }];
  }
  const issuer = env.get('CODER_OIDC_ISSUER_URL');
  const scopesVar = env.get('CODER_OIDC_SCOPES');
  const required = d.coder?.oidc?.requiredScopes ?? DEFAULT_SCOPES;
  const scopesShown = scopesVar.ref ?? scopesVar.value ?? `unset (coderd default ${CODER_DEFAULT})`;
  const issuerShown = issuer.ref ?? issuer.value ?? 'unset';
  const evidence = {
    CODER_OIDC_ISSUER_URL: issuerShown,
    CODER_OIDC_SCOPES: scopesShown,
    requiredScopes: required,
  };
  // A secret/config map reference or envFrom counts as "maybe set"; its value is never read.
  const hasIssuer = Boolean(issuer.ref || issuer.value);
  if (scopesVar.ref && hasIssuer) {
    const detail = `CODER_OIDC_SCOPES comes ${scopesVar.ref}: cannot verify it includes ${required.join(', ')}.`;
    return [{ status: 'error', resource, evidence, detail }];
  }
  const scopes = (scopesVar.value ?? CODER_DEFAULT).split(/[\s,]+/).filter(Boolean);
  // `groups` in the required scopes means "group sync expected": a scope only for providers that have one.
  const field = env.get('CODER_OIDC_GROUP_FIELD');
  const sync = groupSync(
    required,
    issuer.value ?? d.coder?.oidc?.issuerUrl,
    Boolean(field.ref || field.value),
  );
  const missing = scopesVar.ref ? [] : sync.scopes.filter((s) => !scopes.includes(s));
  const found: Array<[string, string | false | undefined]> = [
    ['issuer-unset', !hasIssuer && 'CODER_OIDC_ISSUER_URL is not set'],
    [
      'scopes-missing',
      missing.length > 0 && `CODER_OIDC_SCOPES (${scopesShown}) lacks ${missing.join(', ')}`,
    ],
    ['group-field-unset', sync.fieldProblem],
    ['no-groups', sync.noGroups],
  ];
  const problems = found.filter(([, text]) => text);
  if (problems.length === 0 && issuer.viaEnvFrom) {
    const detail = `CODER_OIDC_ISSUER_URL is not in the container env: cannot verify it is set (it may come ${issuer.ref}).`;
    return [{ status: 'error', resource, evidence, detail }];
  }
  if (problems.length === 0) {
    const detail = `OIDC issuer ${issuerShown}; scopes ${scopes.join(',')}.`;
    return [{ status: 'pass', resource, evidence, detail }];
  }
  const values: Array<[string, string]> = [];
  if (missing.length) values.push(['CODER_OIDC_SCOPES', [...scopes, ...missing].join(',')]);
  if (!hasIssuer) values.push(['CODER_OIDC_ISSUER_URL', d.coder?.oidc?.issuerUrl ?? 'https://<issuer>']);
  if (sync.field) values.push(['CODER_OIDC_GROUP_FIELD', sync.field]);
  const remediation = oidcEnvFix(ns, name, values);
  const detail = `coderd OIDC configuration: ${problems.map(([, text]) => text).join('; ')}.`;
  const scope = { namespace: ns, workload: `deployment/${name}`, component: 'coderd' };
  const reason = problems[0]![0];
  return [{ status: 'fail', reason, scope, resource, evidence, detail, remediation }];
});
