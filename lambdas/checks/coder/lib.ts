import type { DeploymentConfig } from '../../audit/config.js';
import { GuideSection } from '../../audit/guide.js';
import { shq, type Remediation } from '../../audit/model.js';
import type { ProvisionerDaemon, ProvisionerKey } from '../../clients/coder.js';

const DAY_MS = 86_400_000;

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
            `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder | grep -i database`,
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
                `kubectl logs -n ${shq(d.namespaces.provisioner)} -l app.kubernetes.io/name=coder-provisioner`,
              ],
            ]
          : [
              GuideSection.KubernetesDebugging,
              [
                `kubectl get events -n ${ns} --sort-by='.lastTimestamp'`,
                `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder`,
              ],
            ];
  return {
    section,
    remediation: {
      text: `Follow "${section}"; Coder's health check documentation explains each code.`,
      commands: [curlCoder(d, '/api/v2/debug/health'), ...commands],
    },
  };
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
  return {
    text: 'Check the provisioner pods and their logs (key rejected, coderd unreachable, crash loop).',
    commands: [
      `kubectl get pods -n ${ns} -l app.kubernetes.io/name=coder-provisioner`,
      `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder-provisioner`,
      `coder provisioner list --org ${shq(d.coder?.organization ?? 'coder')}`,
    ],
  };
}

/** Align a provisioner daemon with coderd: same chart/image version. */
export function versionSkew(d: DeploymentConfig): Remediation {
  return {
    text: "Upgrade the coder-provisioner Helm release to coderd's version (same image tag).",
    commands: [`helm list -n ${shq(d.namespaces.provisioner)}`, `helm list -n ${shq(d.namespaces.coderd)}`],
  };
}

/** Rotate a provisioner key: a new key `<name>-<yyyymm>` with the same tags, restart, delete the old one. */
export function keyRotation(d: DeploymentConfig, key: ProvisionerKey, now: Date): Remediation {
  const org = shq(d.coder?.organization ?? 'coder');
  const ns = d.namespaces.provisioner;
  const next = `${key.name.replace(/-\d{6}$/, '')}-${now.toISOString().slice(0, 7).replace('-', '')}`;
  const tags = Object.entries(key.tags ?? {})
    .map(([t, v]) => ` --tag ${shq(`${t}=${v}`)}`)
    .join('');
  return {
    text:
      "Create a new key with the same tags, store it in the provisioner deployment's key secret " +
      `(namespace ${ns}), restart the provisioners, then delete the old key.`,
    commands: [
      `coder provisioner keys create ${shq(next)} --org ${org}${tags}`,
      `kubectl rollout restart deployment -n ${shq(ns)} -l app.kubernetes.io/name=coder-provisioner`,
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
  const tf = `module.coder.${resourceType}.${template.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return { text, commands: [`terraform state show ${shq(tf)}`, curlCoder(d, '/api/v2/templates')] };
}

/** The runbook's OIDC diagnosis: the discovery document, coderd's OIDC settings and its OIDC logs. */
export function oidcDiagnosis(d: DeploymentConfig, issuer: string): Remediation {
  const ns = shq(d.namespaces.coderd);
  return {
    text: 'Compare the IdP discovery document with CODER_OIDC_ISSUER_URL and CODER_OIDC_SCOPES in the Helm values.',
    commands: [
      `curl -s ${shq(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)} | jq .`,
      `kubectl exec -it deploy/${shq(d.coderd.deploymentName)} -n ${ns} -- env | grep OIDC`,
      `kubectl logs -n ${ns} -l app.kubernetes.io/name=coder | grep -i oidc`,
    ],
  };
}

/** Rotate the auditor's token: the new value goes from a shell variable into the secret, never into a finding. */
export function tokenRotation(d: DeploymentConfig): Remediation {
  return {
    text: "Create a new token for the auditor's user and store it in the secret; the next audit picks it up.",
    commands: [
      'coder tokens create --name coder-auditor --lifetime 720h',
      `aws secretsmanager put-secret-value --secret-id ${shq(d.coder?.tokenSecretId ?? '')} --secret-string "$NEW_CODER_TOKEN"`,
    ],
  };
}
