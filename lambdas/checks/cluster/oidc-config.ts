import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { Component, shq } from '../../audit/model.js';
import { groupsDelivery, PROVIDER_NAMES, providerOf } from '../oidc-groups.js';
import type { ClusterSnapshot } from './collector.js';
import { CLUSTER_META } from './meta.js';
import { containerEnv, templateContainer } from './pods.js';

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'groups'];
/** The env of the deployment's `coder` container, read from its spec (no running pod needed). */
const specEnvCommand = (name: string, ns: string): string =>
  `kubectl get deployment ${shq(name)} -n ${shq(ns)} -o jsonpath=${shq('{.spec.template.spec.containers[?(@.name=="coder")].env}')}`;

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
  const groups = groupsDelivery(providerOf(issuer.value ?? d.coder?.oidc?.issuerUrl));
  const groupsExpected = required.includes('groups');
  const scopesNeeded = groups.via === 'scope' ? required : required.filter((s) => s !== 'groups');
  const missing = scopesVar.ref ? [] : scopesNeeded.filter((s) => !scopes.includes(s));
  const field = env.get('CODER_OIDC_GROUP_FIELD');
  const noField = groupsExpected && groups.via === 'claim' && !field.ref && !field.value;
  const provider = PROVIDER_NAMES[groups.provider];
  const problems = [
    !hasIssuer && 'CODER_OIDC_ISSUER_URL is not set',
    missing.length > 0 && `CODER_OIDC_SCOPES (${scopesShown}) lacks ${missing.join(', ')}`,
    noField &&
      `CODER_OIDC_GROUP_FIELD is not set: ${provider} delivers groups in the ${groups.claim} claim (${groups.setup}), which coderd reads only when told`,
    groupsExpected && groups.via === 'none' && `group sync is expected but ${groups.setup}`,
  ].filter(Boolean);
  const reason = !hasIssuer
    ? 'issuer-unset'
    : missing.length
      ? 'scopes-missing'
      : noField
        ? 'group-field-unset'
        : 'no-groups';
  if (problems.length === 0 && issuer.viaEnvFrom) {
    const detail = `CODER_OIDC_ISSUER_URL is not in the container env: cannot verify it is set (it may come ${issuer.ref}).`;
    return [{ status: 'error', resource, evidence, detail }];
  }
  if (problems.length === 0) {
    const detail = `OIDC issuer ${issuerShown}; scopes ${scopes.join(',')}.`;
    return [{ status: 'pass', resource, evidence, detail }];
  }
  const values = [
    ...(missing.length ? [['CODER_OIDC_SCOPES', [...scopes, ...missing].join(',')]] : []),
    ...(hasIssuer ? [] : [['CODER_OIDC_ISSUER_URL', d.coder?.oidc?.issuerUrl ?? 'https://<issuer>']]),
    ...(noField ? [['CODER_OIDC_GROUP_FIELD', groups.claim!]] : []),
  ].map(([k, v]) => `\n    - name: ${k}\n      value: "${v}"`);
  const text = `Set in the Helm values (coder.env) and upgrade the release:\ncoder:\n  env:${values.join('')}`;
  const logs = `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i oidc`;
  const remediation = {
    text,
    commands: [`kubectl exec -it deploy/${shq(name)} -n ${shq(ns)} -- env | grep OIDC`, logs],
    // With coderd down, read the variables from the deployment's spec instead of a running container.
    needs: [Component.Coderd],
    otherwise: { text, commands: [specEnvCommand(name, ns), logs] },
  };
  const detail = `coderd OIDC configuration: ${problems.join('; ')}.`;
  const scope = { namespace: ns, workload: `deployment/${name}`, component: 'coderd' };
  return [{ status: 'fail', reason, scope, resource, evidence, detail, remediation }];
});
