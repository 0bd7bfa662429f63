import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { shq } from '../../audit/model.js';
import type { ClusterSnapshot } from './collector.js';
import { groupsDelivery, PROVIDER_NAMES, providerOf } from '../oidc-groups.js';
import { containerEnv, templateContainer } from './pods.js';

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'groups'];
/** What coderd uses when CODER_OIDC_SCOPES is unset. */
const CODER_DEFAULT = 'openid,profile,email';

/**
 * Compliant when coderd has an OIDC issuer and CODER_OIDC_SCOPES includes every required scope, or when OIDC
 * is not used (coder.oidc not configured and no CODER_OIDC_* variable). Values from envFrom are not read.
 */
export default defineCheck<ClusterSnapshot>(
  {
    id: 'oidc-config',
    group: 'cluster',
    severity: 'high',
    title: 'coderd OIDC configuration is complete',
    description:
      "Reads the coderd deployment's container env: CODER_OIDC_ISSUER_URL is set and CODER_OIDC_SCOPES " +
      'includes the required scopes (default openid, profile, email, groups). Secret references are not read.',
    risk: 'Without the groups scope, group sync and template ACLs fail; without an issuer users cannot log in.',
    guideSection: GuideSection.Oidc,
  },
  (snap, { deployment: d }) => {
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
    const commands = [
      `kubectl exec -it deploy/${shq(name)} -n ${shq(ns)} -- env | grep OIDC`,
      `kubectl logs -n ${shq(ns)} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i oidc`,
    ];
    const detail = `coderd OIDC configuration: ${problems.join('; ')}.`;
    return [{ status: 'fail', resource, evidence, detail, remediation: { text, commands } }];
  },
);
