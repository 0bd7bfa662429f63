import { defineGroup } from '../../audit/group.js';
import accessUrlCertificate from './access-url-certificate.js';
import auditorTokenExpiry from './auditor-token-expiry.js';
import coderApiLatency from './coder-api-latency.js';
import coderHealthReport from './coder-health-report.js';
import coderHealthz from './coder-healthz.js';
import coderTokenRole from './coder-token-role.js';
import coderVersion from './coder-version.js';
import type { CoderSnapshot } from './collector.js';
import oidcDiscovery from './oidc-discovery.js';
import provisionerDaemons from './provisioner-daemons.js';
import provisionerKeyAge from './provisioner-key-age.js';
import provisionerQueue from './provisioner-queue.js';
import templateVersions from './template-versions.js';
import templatesAvailable from './templates-available.js';
import workspaceAgents from './workspace-agents.js';
import workspaceBuilds from './workspace-builds.js';

/** The Coder HTTP API and the OIDC issuer, read with the auditor's Coder token. */
export const coderGroup = defineGroup<CoderSnapshot>({
  id: 'coder',
  skipReason: (deployment) =>
    deployment.coder
      ? undefined
      : 'Coder API not configured (no coder section in the deployment configuration)',
  // Loaded when the group runs (the catalogue and `coder-audit checks` need no client library), before
  // any group's clock starts.
  load: () => import('./collector.js'),
  collect: async (ctx) => (await import('./collector.js')).collectCoder(ctx),
  checks: [
    coderHealthz,
    accessUrlCertificate,
    coderVersion,
    coderHealthReport,
    provisionerKeyAge,
    provisionerDaemons,
    provisionerQueue,
    templatesAvailable,
    templateVersions,
    workspaceBuilds,
    workspaceAgents,
    coderApiLatency,
    oidcDiscovery,
    auditorTokenExpiry,
    coderTokenRole,
  ],
});
