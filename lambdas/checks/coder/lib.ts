import type { FindingInput } from '../../audit/check.js';
import type { DeploymentConfig } from '../../audit/config.js';
import type { Fact } from '../../audit/fact.js';
import { GuideSection } from '../../audit/guide.js';
import { Component, shq, SkipReason, type Remediation } from '../../audit/model.js';
import { quote } from '../../audit/untrusted.js';
import type { HealthSection, ProvisionerDaemon, ProvisionerKey } from '../../clients/coder.js';
import { capabilities, roleGap, rolesLabel, type Capability, type TokenAccess } from './roles.js';

const DAY_MS = 86_400_000;

/** Premium features the coder checks depend on (codersdk FeatureName). */
export const Feature = {
  /** Gates `/organizations/{org}/provisionerkeys` (enterprise/coderd/coderd.go). */
  ProvisionerKeys: 'multiple_organizations',
  /** Gates template ACLs (`templateRBACEnabledMW`). */
  TemplateRbac: 'template_rbac',
} as const;

/**
 * Daemon rows asked for (coderd lists the newest first, 50 unless asked, and keeps offline rows 7 days):
 * a page this full may hide older rows.
 */
export const DAEMON_PAGE = 500;

/** Reference of a Coder object in findings, e.g. `coder:coder/template/pod-swdev`. */
export function coderRef(deployment: DeploymentConfig, kind: string, name: string): string {
  return `coder:${deployment.coder?.organization ?? 'coder'}/${kind}/${name}`;
}

/** The access URL without a trailing slash. */
export function accessUrl(deployment: DeploymentConfig): string {
  return (deployment.coder?.url ?? '').replace(/\/+$/, '');
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Date | string, to: Date): number {
  return Math.floor((to.getTime() - new Date(from).getTime()) / DAY_MS);
}

/** `major.minor` of a Coder version (`v2.24.2`, `2.24.2-devel+abc`), or undefined when it is not one. */
export function majorMinor(version: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** The runbook's in-cluster healthz probe with the deployment's namespace, deployment name and port. */
export function kubectlHealthz(deployment: DeploymentConfig): string {
  const { coderd, namespaces } = deployment;
  return (
    `kubectl exec -it deploy/${shq(coderd.deploymentName)} -n ${shq(namespaces.coderd)} -- ` +
    `curl localhost:${coderd.port}${coderd.healthPath}`
  );
}

/** The runbook's API probe: the token stays a shell variable, never a value. */
export function curlCoder(deployment: DeploymentConfig, path: string): string {
  return `curl -H "Coder-Session-Token: $TOKEN" ${shq(`${accessUrl(deployment)}${path}`)}`;
}

/**
 * Runbook section and diagnosis for a coderd health code (EDB02, EACS03, EPD01...) or, without a code, a
 * health report section name: EDB → database, EACS → NLB, EPD → provisioning, anything else → Kubernetes.
 */
export function healthDiagnosis(
  code: string,
  d: DeploymentConfig,
): { section: GuideSection; remediation: Remediation } {
  const ns = shq(d.namespaces.coderd);
  const [section, commands] =
    code.startsWith('EDB') || code === 'database'
      ? [
          GuideSection.DatabaseConnection,
          [
            `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i database`,
            `aws rds describe-db-clusters --db-cluster-identifier ${shq(d.aurora.clusterId)}`,
          ],
        ]
      : code.startsWith('EACS') || code === 'access_url'
        ? [
            GuideSection.NlbHealth,
            [
              kubectlHealthz(d),
              ...d.nlb.targetGroupArns.map(
                (a) => `aws elbv2 describe-target-health --target-group-arn ${shq(a)}`,
              ),
            ],
          ]
        : code.startsWith('EPD') || code === 'provisioner_daemons'
          ? [
              GuideSection.ProvisioningTimeouts,
              [
                `kubectl logs -n ${shq(d.namespaces.provisioner)} -l app.kubernetes.io/name=coder-provisioner --tail=-1 --prefix`,
              ],
            ]
          : [
              GuideSection.KubernetesDebugging,
              [
                `kubectl get events -n ${ns} --sort-by='.lastTimestamp'`,
                `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder --tail=-1 --prefix`,
              ],
            ];
  const text = `Follow "${section}"; Coder's health check documentation explains each code.`;
  const probe = kubectlHealthz(d);
  return {
    section,
    remediation: {
      text,
      commands: [curlCoder(d, '/api/v2/debug/health'), ...commands],
      needs: commands.includes(probe) ? [Component.CoderApi, Component.Coderd] : [Component.CoderApi],
      otherwise: { text, commands: commands.filter((c) => c !== probe) },
    },
  };
}

/**
 * The messages of a health report section by health code: its warnings (`code: message`) and its error text,
 * whose code is its prefix (health.Message.String() in coder/coder coderd/healthcheck/health/model.go:
 * `EDB01: ping database: ...`). A code `known` does not accept, or no message at all, is `EUNKNOWN`. The
 * messages quote coderd's errors (database URLs included): quoted here, redacted by the runner.
 */
export function healthMessagesByCode(
  section: HealthSection,
  known: (code: string) => boolean,
): Map<string, Array<{ code: string; text: string }>> {
  const messages = [
    ...section.warnings.map((w) => ({ code: w.code, text: `${w.code}: ${quote(w.message)}` })),
    ...(section.error
      ? [{ code: /^([A-Z]+\d+):/.exec(section.error)?.[1] ?? 'EUNKNOWN', text: quote(section.error) }]
      : []),
  ];
  const byCode = new Map<string, typeof messages>();
  for (const m of messages.length ? messages : [{ code: 'EUNKNOWN', text: '' }]) {
    const code = known(m.code) ? m.code : 'EUNKNOWN';
    byCode.set(code, [...(byCode.get(code) ?? []), m]);
  }
  return byCode;
}

/** Without a `status` (servers before v2.19), a daemon is online when it heartbeated this recently. */
const DAEMON_STALE_MS = 5 * 60_000;

/** Online as coderd reports it (`idle`/`busy`), or, on older servers, by its last heartbeat. */
export function daemonOnline(d: ProvisionerDaemon, now: Date): boolean {
  if (d.status) return d.status !== 'offline';
  return !!d.last_seen_at && now.getTime() - Date.parse(d.last_seen_at) <= DAEMON_STALE_MS;
}

/** Whole minutes since `ts`, or null without one. */
export function minutesSince(ts: string | null | undefined, now: Date): number | null {
  return ts ? Math.round((now.getTime() - Date.parse(ts)) / 60_000) : null;
}

/** The runbook's provisioner diagnosis: pods, logs, and Coder's view of the daemons. */
export function provisionerDiagnosis(d: DeploymentConfig): Remediation {
  const ns = shq(d.namespaces.provisioner);
  const text = 'Check the provisioner pods and their logs (key rejected, coderd unreachable, crash loop).';
  const pods = [
    `kubectl get pods -n ${ns} -l app.kubernetes.io/name=coder-provisioner`,
    `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder-provisioner --tail=-1 --prefix`,
  ];
  return {
    text,
    commands: [...pods, `coder provisioner list --org ${shq(d.coder?.organization ?? 'coder')}`],
    needs: [Component.CoderApi],
    otherwise: { text, commands: pods },
  };
}

/** Align a provisioner daemon with coderd: same chart/image version. */
export function versionSkew(d: DeploymentConfig): Remediation {
  return {
    text: "Upgrade the coder-provisioner Helm release to coderd's version (same image tag).",
    commands: [`helm list -n ${shq(d.namespaces.provisioner)}`, `helm list -n ${shq(d.namespaces.coderd)}`],
  };
}

/**
 * The coder-provisioner Helm chart reads its key from the secret `provisionerDaemon.keySecretName` (no chart
 * default; Coder's docs name it `coder-provisioner-keys`) under `provisionerDaemon.keySecretKey` (default `key`).
 */
export const PROVISIONER_KEY_SECRET = { name: 'coder-provisioner-keys', key: 'key' } as const;

/**
 * Rotate a provisioner key, in an order that never leaves the provisioners without a valid key: create
 * `<name>-<yyyymm>` with the same tags into a shell variable (`keys create` prints a message, a blank line,
 * then the key), store it in the chart's key secret, restart the provisioners and wait for them, and only
 * then delete the old key. The key stays a shell variable, never a value in the finding.
 */
export function keyRotation(d: DeploymentConfig, key: ProvisionerKey, now: Date): Remediation {
  const org = shq(d.coder?.organization ?? 'coder');
  const ns = shq(d.namespaces.provisioner);
  const { name: secret, key: field } = PROVISIONER_KEY_SECRET;
  const next = `${key.name.replace(/-\d{6}$/, '')}-${now.toISOString().slice(0, 7).replace('-', '')}`;
  const tags = Object.entries(key.tags ?? {})
    .map(([t, v]) => ` --tag ${shq(`${t}=${v}`)}`)
    .join('');
  const selector = `deployment -n ${ns} -l app.kubernetes.io/name=coder-provisioner`;
  return {
    needs: [Component.CoderApi],
    text:
      `Create ${next} with the same tags and store it in the provisioners' key secret, named by the coder-provisioner ` +
      `Helm values provisionerDaemon.keySecretName (no chart default; ${secret} as in Coder's docs) and ` +
      `provisionerDaemon.keySecretKey (chart default ${field}); change both below if your values differ. ` +
      `Restart the provisioners in ${d.namespaces.provisioner}, wait until they run with ${next} ` +
      `(coder provisioner list), then delete ${key.name}.`,
    commands: [
      `NEW_KEY=$(coder provisioner keys create ${shq(next)} --org ${org}${tags} | tail -n 1)`,
      `kubectl create secret generic ${shq(secret)} -n ${ns} --from-literal=${field}="\${NEW_KEY:?the new key was not created}" --dry-run=client -o yaml | kubectl apply -f -`,
      `kubectl rollout restart ${selector}`,
      `kubectl rollout status ${selector}`,
      `coder provisioner list --org ${org}`,
      `coder provisioner keys delete ${shq(key.name)} --org ${org}`,
    ],
  };
}

/** The runbook's template diagnosis: the Terraform resource (`coderd_template[_acl]`) and the Coder API. */
export function templateDiagnosis(
  d: DeploymentConfig,
  template: string,
  resourceType: 'coderd_template' | 'coderd_template_acl',
  text: string,
): Remediation {
  const tf = `terraform state show ${shq(`module.coder.${resourceType}.${template.replace(/[^A-Za-z0-9_]/g, '_')}`)}`;
  return {
    text,
    commands: [tf, curlCoder(d, '/api/v2/templates')],
    needs: [Component.CoderApi],
    otherwise: { text, commands: [tf] },
  };
}

/** The reasons of templates-available. */
export type TemplateReason = 'missing' | 'deprecated' | 'empty-acl';

/** A failing templates-available result for `template`, with the runbook's diagnosis of its Terraform resource. */
export function templateFailure(
  d: DeploymentConfig,
  template: string,
  f: { reason: TemplateReason; detail: string; evidence: Record<string, unknown>; text: string },
): FindingInput {
  const resourceType = f.reason === 'empty-acl' ? 'coderd_template_acl' : 'coderd_template';
  return {
    status: 'fail',
    reason: f.reason,
    resource: coderRef(d, 'template', template),
    detail: `Template ${template} ${f.detail}.`,
    evidence: f.evidence,
    remediation: templateDiagnosis(d, template, resourceType, f.text),
  };
}

/** The runbook's OIDC diagnosis: the discovery document, coderd's OIDC settings and its OIDC logs. */
export function oidcDiagnosis(d: DeploymentConfig, issuer: string): Remediation {
  const ns = shq(d.namespaces.coderd);
  const name = shq(d.coderd.deploymentName);
  const text =
    'Compare the IdP discovery document with CODER_OIDC_ISSUER_URL and CODER_OIDC_SCOPES in the Helm values.';
  const discovery = `curl -s ${shq(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)} | jq .`;
  const logs = `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder --tail=-1 --prefix | grep -i oidc`;
  const spec = `kubectl get deployment ${name} -n ${ns} -o jsonpath=${shq('{.spec.template.spec.containers[?(@.name=="coder")].env}')}`;
  return {
    text,
    commands: [discovery, `kubectl exec -it deploy/${name} -n ${ns} -- env | grep OIDC`, logs],
    needs: [Component.Coderd],
    otherwise: { text, commands: [discovery, spec, logs] },
  };
}

/**
 * Rotate the auditor's token: a token named per month (names are unique per user, so a fixed name fails
 * on the second rotation) goes from a shell variable into the secret, never into a finding.
 */
export function tokenRotation(d: DeploymentConfig): Remediation {
  return {
    needs: [Component.CoderApi],
    text: "Create a new token for the auditor's user and store it in the secret; the next audit picks it up.",
    commands: [
      'NEW_CODER_TOKEN=$(coder tokens create --name coder-auditor-$(date +%Y%m) --lifetime 720h)',
      `aws secretsmanager put-secret-value --secret-id ${shq(d.coder?.tokenSecretId ?? '')} --secret-string "\${NEW_CODER_TOKEN:?the token was not created}"`,
    ],
  };
}

/**
 * The result of a read that answered 403/404: `skipped` when the token's role cannot read `what` (the
 * coder-token-role finding names the role to grant), `error` when the role should have read it or is unknown.
 * Never a pass: what could not be read is not healthy.
 */
export function unreadable(
  access: Fact<TokenAccess>,
  what: Capability,
  resource: string,
  answer: { status: number; message: string },
): FindingInput {
  const http = `HTTP ${answer.status}${answer.message ? `: ${answer.message}` : ''}`;
  if (access.ok && !capabilities(access.value).has(what)) {
    return {
      status: 'skipped',
      reason: SkipReason.RoleGap,
      resource,
      key: 'unreadable',
      detail: `Not checked: ${roleGap(access.value, what)} (Coder answered ${http}).`,
      evidence: { status: answer.status, roles: rolesLabel(access.value), needs: what },
    };
  }
  const why = access.ok
    ? `the token's roles (${rolesLabel(access.value)}) should allow it`
    : `the token's roles are unknown (${access.error})`;
  return {
    status: 'error',
    resource,
    key: 'error',
    detail: `Could not read ${what}: Coder answered ${http}, and ${why}.`,
    evidence: { status: answer.status, error: http },
  };
}

/**
 * The version-skew results of the online daemons: a pass for each daemon on coderd's major.minor, and one
 * finding (reason `version-skew`) for all the others, since one upgrade of the provisioner release fixes
 * them all. Daemon names and versions are quoted: they come from the daemons.
 */
export function versionResults(
  up: readonly ProvisionerDaemon[],
  server: string,
  deployment: DeploymentConfig,
): FindingInput[] {
  const same = (d: ProvisionerDaemon) =>
    majorMinor(d.version) !== undefined && majorMinor(d.version) === majorMinor(server);
  const version = (d: ProvisionerDaemon) => ({
    daemon: d.name,
    daemonVersion: d.version,
    apiVersion: d.api_version,
  });
  const results = up.filter(same).map((d): FindingInput => ({
    status: 'pass',
    resource: coderRef(deployment, 'provisionerdaemon', d.name),
    key: 'version',
    detail: `Provisioner daemon ${quote(d.name)} runs ${quote(d.version)}, like coderd.`,
    evidence: { ...version(d), coderdVersion: server },
  }));
  const skewed = up.filter((d) => !same(d));
  if (skewed.length === 0) return results;
  const listed = skewed.map((d) => `${quote(d.name)} runs ${quote(d.version)}`).join(', ');
  const org = deployment.coder?.organization ?? 'coder';
  return [
    ...results,
    {
      status: 'fail',
      reason: 'version-skew',
      resource: coderRef(deployment, 'provisionerdaemons', org),
      key: 'version',
      title: 'Provisioner daemon version differs from coderd',
      detail: `${skewed.length} provisioner daemon(s) off coderd's ${quote(server)}: ${listed}.`,
      evidence: { coderdVersion: server, daemons: skewed.map(version) },
      remediation: versionSkew(deployment),
    },
  ];
}
