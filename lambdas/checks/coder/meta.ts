import { defineMetas } from '../../audit/check.js';
import { GuideSection } from '../../audit/guide.js';

/**
 * coderd's health codes (coder/coder coderd/healthcheck/health/model.go; meanings from
 * docs/admin/monitoring/health-check.md). A finding of coder-health-report carries the code as its reason;
 * the section's severity (warning → medium, error → high) sets the finding's.
 */
const HEALTH_CODES = {
  EACS01: { message: 'coderd health: no access URL is configured.', severity: 'medium' },
  EACS02: { message: 'coderd health: the access URL is not a valid URL.', severity: 'medium' },
  EACS03: {
    message: 'coderd health: coderd cannot fetch /healthz through its access URL.',
    severity: 'medium',
  },
  EACS04: { message: 'coderd health: /healthz through the access URL is not 200 OK.', severity: 'medium' },
  EDB01: { message: 'coderd health: pinging the database fails.', severity: 'medium' },
  EDB02: { message: 'coderd health: the median database ping is above its threshold.', severity: 'medium' },
  EDERP01: { message: 'coderd health: a DERP node falls back to websocket.', severity: 'medium' },
  EDERP02: { message: 'coderd health: one or more DERP nodes are unhealthy.', severity: 'medium' },
  ESTUN01: { message: 'coderd health: no STUN server is available.', severity: 'medium' },
  ESTUN02: { message: 'coderd health: STUN returned different addresses (hard NAT).', severity: 'medium' },
  EWS01: { message: 'coderd health: no websocket connection over the access URL.', severity: 'medium' },
  EWS02: {
    message: 'coderd health: a websocket message over the access URL was not echoed.',
    severity: 'medium',
  },
  EWS03: { message: 'coderd health: the websocket echo answered a wrong message.', severity: 'medium' },
  EWP01: { message: 'coderd health: updating the workspace proxies health fails.', severity: 'medium' },
  EWP02: { message: 'coderd health: fetching the workspace proxies fails.', severity: 'medium' },
  EWP04: { message: 'coderd health: one or more workspace proxies are unhealthy.', severity: 'medium' },
  EPD01: { message: 'coderd health: no provisioner daemon is available.', severity: 'medium' },
  EPD02: {
    message: "coderd health: a provisioner daemon's version differs from coderd's.",
    severity: 'medium',
  },
  EPD03: {
    message: 'coderd health: a provisioner daemon uses a deprecated API version.',
    severity: 'medium',
  },
  EIF01: { message: 'coderd health: a network interface has a small MTU.', severity: 'medium' },
  EUNKNOWN: { message: 'coderd health: an unexpected or unknown health problem.', severity: 'medium' },
} as const;

/**
 * Metadata of the coder checks, written once: id (the key), severity, title, description, risk, runbook
 * section and the reasons each can report (see lambdas/checks/infra/meta.ts).
 */
export const CODER_META = defineMetas('coder', {
  'coder-healthz': {
    severity: 'critical',
    title: 'Coder answers /healthz through its access URL',
    description:
      "Requests /healthz through the public access URL (DNS, NLB, target group, coderd) and expects 200 'OK'; " +
      'a slow answer, and TLS verification turned off in the configuration, are reported at medium severity.',
    risk: 'Users get 502/503 or time-outs: nobody can reach the dashboard, the API or their workspaces.',
    guideSection: GuideSection.NlbHealth,
    reasons: {
      unreachable: { message: 'The access URL does not answer.', severity: 'critical' },
      'bad-status': { message: "/healthz through the access URL is not 200 'OK'.", severity: 'critical' },
      slow: { message: '/healthz answers slower than the threshold.', severity: 'medium' },
      'tls-off': {
        message: 'TLS verification of the access URL and the OIDC issuer is off (coder.insecureTls).',
        severity: 'medium',
      },
    },
  },
  'access-url-certificate': {
    severity: 'high',
    title: 'The access URL certificate is not about to expire',
    description:
      "Reads the certificate the access URL presents in coder-healthz's TLS handshake: expired (critical), " +
      'expiring within thresholds.certificateFailDays (high) or thresholds.certificateWarnDays (medium).',
    risk: 'When it expires every browser, CLI, agent and provisioner connection to coderd fails its TLS check.',
    guideSection: GuideSection.NetworkDebugging,
    reasons: {
      expired: { message: 'The access URL certificate has expired.', severity: 'critical' },
      'expires-soon': {
        message: 'The access URL certificate expires within the failure threshold.',
        severity: 'high',
      },
      expiring: {
        message: 'The access URL certificate expires within the warning threshold.',
        severity: 'medium',
      },
    },
  },
  'coder-version': {
    severity: 'info',
    title: 'Coder server version',
    description:
      'Records the coderd version from /api/v2/buildinfo; the provisioner daemons are compared with it.',
    risk: 'Without a known server version, provisioner version skew cannot be detected.',
    guideSection: GuideSection.CoderLogs,
    reasons: {
      'not-a-release': {
        message: 'coderd reports a version that is not a release version.',
        severity: 'info',
      },
    },
  },
  'coder-health-report': {
    severity: 'high',
    title: "coderd's deployment health report is clean",
    description:
      "Reads coderd's own health report (access URL, database, DERP, websocket, workspace proxies, provisioner " +
      'daemons) and reports each health code of a section at warning (medium) or error (high).',
    risk: 'coderd sees a degraded dependency (slow database, unreachable access URL, no provisioner) before users do.',
    guideSection: GuideSection.KubernetesDebugging,
    reasons: HEALTH_CODES,
  },
  'provisioner-key-age': {
    severity: 'high',
    title: 'Provisioner keys are rotated',
    description:
      'Reports provisioner keys at least thresholds.provisionerKeyMaxAgeDays days old (expired by policy, high) ' +
      'or at least thresholds.provisionerKeyWarnDays days old (rotation due, medium).',
    risk: 'Keys expire after 90 days by policy; provisioners with an expired key stop taking builds and workspaces time out.',
    guideSection: GuideSection.ProvisioningTimeouts,
    reasons: {
      expired: { message: 'A provisioner key is past its maximum age.', severity: 'high' },
      'rotation-due': { message: 'A provisioner key is due for rotation.', severity: 'medium' },
    },
  },
  'provisioner-daemons': {
    severity: 'high',
    title: 'Provisioner daemons are online and match coderd',
    description: "Reports no online provisioner daemon (high) and daemons off coderd's major.minor (medium).",
    risk: 'Without a daemon no workspace build runs; a skewed daemon may fail builds with protocol errors.',
    guideSection: GuideSection.ProvisioningTimeouts,
    reasons: {
      'none-online': { message: 'No provisioner daemon is online.', severity: 'high' },
      'version-skew': {
        message: 'A provisioner daemon runs another major.minor than coderd.',
        severity: 'medium',
      },
    },
  },
  'provisioner-queue': {
    severity: 'high',
    title: 'Provisioner jobs are picked up',
    description:
      'Reads the pending provisioner jobs of the organization: a job waiting longer than ' +
      'thresholds.provisionerQueueMinutes whose tags no daemon serves (tag mismatch), whose matching daemons ' +
      'are offline, all busy (queue larger than the idle daemons), or idle without taking it.',
    risk: 'Workspace builds and template imports wait until coderd fails them after 30 minutes.',
    guideSection: GuideSection.ProvisioningTimeouts,
    reasons: {
      'tag-mismatch': {
        message: 'Pending jobs carry tags no provisioner daemon serves: they wait until coderd fails them.',
        severity: 'high',
      },
      'workers-offline': {
        message: 'Pending jobs wait: every daemon serving their tags is offline.',
        severity: 'high',
      },
      saturated: {
        message: 'Pending jobs wait: every daemon serving their tags is busy (more jobs than idle daemons).',
        severity: 'medium',
      },
      stalled: {
        message: 'Pending jobs wait although an idle daemon serves their tags.',
        severity: 'high',
      },
    },
  },
  'templates-available': {
    severity: 'medium',
    title: 'Expected templates are available to users',
    description:
      'Each coder.expectedTemplates is in the organization, not deprecated, and granted to someone.',
    risk: 'A template deployed by Terraform but missing, deprecated or with an empty ACL is invisible in the Coder UI.',
    guideSection: GuideSection.TemplateNotAppearing,
    reasons: {
      missing: { message: 'An expected template is not in the organization.', severity: 'medium' },
      deprecated: { message: 'An expected template is deprecated.', severity: 'medium' },
      'empty-acl': { message: "An expected template's ACL grants no user or group.", severity: 'medium' },
    },
  },
  'template-versions': {
    severity: 'medium',
    title: 'Template versions import',
    description:
      "Reads the versions of each expected template: the active version's import succeeded, and the newest " +
      'version, when newer, did not fail its import (contract and capability errors named as such, missing ' +
      'variables, other Terraform errors) nor wait longer than thresholds.provisionerQueueMinutes.',
    risk: 'A template change pushed by Terraform never reaches users: the template stays on its old version, or shows none.',
    guideSection: GuideSection.ContractValidation,
    reasons: {
      contract: {
        message: 'The newest template version failed its import on a contract or capability check.',
        severity: 'medium',
      },
      'missing-variables': {
        message: 'The newest template version failed its import for missing template variables.',
        severity: 'medium',
      },
      'import-failed': {
        message: 'The newest template version failed its import with a Terraform error.',
        severity: 'medium',
      },
      'import-stuck': {
        message: 'The newest template version has waited for its import longer than the threshold.',
        severity: 'medium',
      },
      'active-not-imported': {
        message: "The template's active version has no successful import.",
        severity: 'high',
      },
    },
  },
  'workspace-builds': {
    severity: 'high',
    title: 'Workspace builds succeed and finish',
    description:
      'Reads the latest build of every workspace of the organization: builds that failed within ' +
      'thresholds.buildWindowMinutes, grouped by cause from the job error (Terraform error, provider ' +
      'throttling, quota, timeout, no provisioner, missing parameters), and builds pending or starting for ' +
      'longer than thresholds.buildStuckMinutes.',
    risk: 'Users cannot start their workspaces; a pattern (one cause, many builds) points at the platform, not the user.',
    guideSection: GuideSection.ProvisioningTimeouts,
    reasons: {
      'terraform-error': {
        message: 'Workspace builds failed with a Terraform plan or apply error.',
        severity: 'medium',
      },
      'provider-throttling': {
        message:
          'Workspace builds failed because a cloud or Kubernetes API throttled the Terraform provider.',
        severity: 'high',
      },
      'quota-exceeded': {
        message: 'Workspace builds failed on an exceeded quota, limit or capacity.',
        severity: 'high',
      },
      timeout: { message: 'Workspace builds timed out or hung.', severity: 'high' },
      'no-provisioner': {
        message: 'Workspace builds waited for a provisioner until coderd terminated them.',
        severity: 'high',
      },
      'missing-parameters': {
        message: 'Workspace builds failed for missing template variables or parameters.',
        severity: 'medium',
      },
      'stuck-pending': {
        message: 'Workspace builds have waited for a provisioner longer than the threshold.',
        severity: 'high',
      },
      'stuck-starting': {
        message: 'Workspace builds have been running longer than the threshold.',
        severity: 'medium',
      },
    },
  },
  'workspace-agents': {
    severity: 'high',
    title: 'Workspace agents are connected and started',
    description:
      'Reads the agents of every started workspace: disconnected, timed out (never connected), startup ' +
      'script failed or timed out, as a pattern by template and workspace node group (not a list of users).',
    risk: 'Users cannot open the workspaces they started (no terminal, IDE or apps), or get half-set-up ones.',
    guideSection: GuideSection.CoderCli,
    reasons: {
      disconnected: {
        message: 'Agents of started workspaces lost their connection to coderd.',
        severity: 'high',
      },
      timeout: {
        message: 'Agents of started workspaces never connected to coderd in time.',
        severity: 'high',
      },
      'startup-script-failed': {
        message: 'The startup script of agents exited with an error.',
        severity: 'medium',
      },
      'startup-timeout': {
        message: 'The startup script of agents did not finish in time.',
        severity: 'medium',
      },
    },
  },
  'coder-api-latency': {
    severity: 'medium',
    title: 'The Coder API answers fast',
    description:
      "Times the auditor's own Coder API calls of the audit (at least 5): p95 above thresholds.apiLatencyWarnMs " +
      '(medium), p50 above it (high).',
    risk: 'Slow API calls are what users feel as a slow dashboard, CLI and workspace start; at scale they precede outages.',
    guideSection: GuideSection.ScaleTesting,
    reasons: {
      'slow-tail': {
        message: 'The slowest Coder API calls (p95) are above the threshold.',
        severity: 'medium',
      },
      slow: { message: 'Most Coder API calls (p50) are above the threshold.', severity: 'high' },
    },
  },
  'oidc-discovery': {
    severity: 'high',
    title: 'OIDC issuer discovery is consistent',
    description:
      'Reads <issuer>/.well-known/openid-configuration: it must answer, its issuer must equal ' +
      'coder.oidc.issuerUrl exactly, it must list the authorization and token endpoints and support ' +
      'coder.oidc.requiredScopes (groups only where the provider delivers groups by a scope).',
    risk: 'coderd cannot start the login flow or rejects the ID tokens: users cannot log in.',
    guideSection: GuideSection.Oidc,
    reasons: {
      unreachable: { message: "The issuer's discovery document cannot be read.", severity: 'high' },
      'issuer-mismatch': {
        message: 'The discovery document names another issuer than the configured one.',
        severity: 'high',
      },
      incomplete: {
        message: 'The discovery document lacks the authorization or token endpoint.',
        severity: 'high',
      },
      'scopes-unsupported': { message: 'The issuer does not support the required scopes.', severity: 'high' },
      'no-groups': {
        message: 'Group sync is expected but the identity provider puts no groups in its tokens.',
        severity: 'high',
      },
    },
  },
  'auditor-token-expiry': {
    severity: 'medium',
    title: "The auditor's Coder token is valid",
    description:
      "Looks up the auditor's own API token: rejected or expired (high), or expiring within " +
      'thresholds.tokenExpiryWarnDays (medium).',
    risk: 'When the token expires every Coder check of the audit errors ("token expired"): the audit goes blind.',
    guideSection: GuideSection.LogPatterns,
    reasons: {
      rejected: { message: "Coder rejects the auditor's token.", severity: 'high' },
      expired: { message: "The auditor's token has expired.", severity: 'high' },
      expiring: { message: "The auditor's token expires soon.", severity: 'medium' },
    },
  },
  'coder-token-role': {
    severity: 'medium',
    title: "The auditor's Coder token can read every check's facts",
    description:
      "Reads the roles of the auditor's token user (/api/v2/users/me, the organization membership): without " +
      'Owner, names what it cannot read (health report, provisioner daemons, keys and jobs, every template, every workspace) and the role to grant.',
    risk: 'Checks the token cannot feed stay unevaluated: an expired provisioner key or an offline daemon goes unseen.',
    guideSection: GuideSection.LogPatterns,
    reasons: {
      'role-missing': {
        message:
          "The auditor's token cannot read the provisioner daemons, keys or every template: those checks are skipped.",
        severity: 'medium',
      },
      'no-health-report': {
        message:
          "The auditor's token reads everything but coderd's health report (Owner only): that check is skipped.",
        severity: 'low',
      },
    },
  },
});
