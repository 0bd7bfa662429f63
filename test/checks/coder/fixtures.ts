import type { DeploymentConfig, DeploymentInput } from '../../../lambdas/audit/config.js';
import { known, type Fact } from '../../../lambdas/audit/fact.js';
import type { CoderSnapshot } from '../../../lambdas/checks/coder/collector.js';
import type { TokenAccess } from '../../../lambdas/checks/coder/roles.js';
import type { ProvisionerJob, TemplateVersion, Workspace } from '../../../lambdas/clients/coder-workloads.js';
import type {
  ApiKey,
  HealthReport,
  HealthSection,
  ProvisionerDaemon,
  ProvisionerKey,
  Template,
  TemplateAcl,
} from '../../../lambdas/clients/coder.js';
import { testDeployment } from '../../fixtures/deployment.js';

export const NOW = new Date('2025-06-15T12:00:00Z');
export const URL = 'https://coder.example.com';
export const ISSUER = 'https://login.example.com/realms/coder';
const DAY = 86_400_000;

export const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
export const daysAgo = (d: number): string => ago(d * DAY);

/** A deployment with a coder section (OIDC configured), `coder` merged shallowly. */
export function coderDeployment(
  coder: Partial<NonNullable<DeploymentInput['coder']>> = {},
): DeploymentConfig {
  return testDeployment({
    coder: {
      url: URL,
      tokenSecretId: 'coder-auditor/prod/coder-token',
      expectedTemplates: ['kubernetes-devcontainer', 'pod-swdev'],
      oidc: { issuerUrl: ISSUER },
      ...coder,
    },
  });
}

export const section = (over: Partial<HealthSection> = {}): HealthSection => ({
  healthy: true,
  severity: 'ok',
  warnings: [],
  dismissed: false,
  ...over,
});

export const healthReport = (over: Partial<HealthReport> = {}): HealthReport => ({
  healthy: true,
  severity: 'ok',
  coder_version: 'v2.24.2',
  access_url: section(),
  database: section(),
  derp: section(),
  websocket: section(),
  workspace_proxy: section(),
  provisioner_daemons: section(),
  ...over,
});

export const key = (name: string, ageDays: number): ProvisionerKey => ({
  id: `id-${name}`,
  created_at: daysAgo(ageDays),
  organization: 'org-id',
  name,
  tags: { scope: 'organization' },
});

export const daemon = (name: string, over: Partial<ProvisionerDaemon> = {}): ProvisionerDaemon => ({
  id: `id-${name}`,
  created_at: daysAgo(7),
  last_seen_at: ago(10_000),
  name,
  version: 'v2.24.2',
  api_version: '1.6',
  status: 'idle',
  key_name: 'coder-prov',
  ...over,
});

export const template = (name: string, over: Partial<Template> = {}): Template => ({
  id: `tpl-${name}`,
  name,
  organization_id: 'org-id',
  deprecated: false,
  active_version_id: 'tv-v1',
  ...over,
});

export const acl = (groups: string[], users: string[] = []): TemplateAcl => ({
  group: groups.map((g) => ({ id: `grp-${g}`, name: g, role: 'use' })),
  users: users.map((u) => ({ id: `usr-${u}`, username: u, role: 'use' })),
});

export const apiKey = (expiresInMs: number): ApiKey => ({
  id: 'kEyId01234',
  expires_at: new Date(NOW.getTime() + expiresInMs).toISOString(),
  token_name: 'coder-auditor',
  login_type: 'token',
  lifetime_seconds: 90 * 86_400,
});

/** The token user's roles (site roles, then organization roles). */
export const access = (siteRoles: string[], orgRoles: string[] = []): TokenAccess => ({
  username: 'coder-auditor',
  siteRoles,
  orgRoles,
});

/** A failed read, as `settle` records it. */
export const failed = <T>(name: string, error = 'CoderRequestError: no answer within 5000 ms'): Fact<T> => ({
  ok: false,
  name,
  error,
});

export const minutesAgo = (m: number): string => ago(m * 60_000);

/** A provisioner job; `over` changes its fields. */
export const job = (over: Partial<ProvisionerJob> = {}): ProvisionerJob => ({
  id: 'job-1',
  created_at: minutesAgo(240),
  started_at: minutesAgo(240),
  completed_at: minutesAgo(238),
  status: 'succeeded',
  tags: { scope: 'organization', owner: '' },
  queue_position: 0,
  queue_size: 0,
  available_workers: [],
  ...over,
});

/** A workspace `<owner>/<name>` of `template` whose latest build has `build` and its `job`. */
export function workspace(
  key: string,
  template = 'pod-swdev',
  jobOver: Partial<ProvisionerJob> = {},
  agents: Array<{ name: string; status: string; lifecycle_state: string }> = [
    { name: 'main', status: 'connected', lifecycle_state: 'ready' },
  ],
): Workspace {
  const [owner, name] = key.split('/') as [string, string];
  return {
    id: `ws-${key}`,
    name,
    owner_name: owner,
    organization_id: 'org-id',
    template_id: `tpl-${template}`,
    template_name: template,
    latest_build: {
      id: `build-${key}`,
      build_number: 3,
      transition: 'start',
      status: 'running',
      created_at: minutesAgo(240),
      job: job({ id: `job-${key}`, ...jobOver }),
      resources: [
        {
          name: 'main',
          type: 'kubernetes_deployment',
          agents: agents.map((a) => ({ id: `agent-${key}-${a.name}`, ...a })),
        },
      ],
      matched_provisioners: { count: 2, available: 2 },
    },
  };
}

/** A template version `name`, created `ageMinutes` ago, with its import job. */
export const version = (
  name: string,
  ageMinutes: number,
  jobOver: Partial<ProvisionerJob> = {},
): TemplateVersion => ({
  id: `tv-${name}`,
  name,
  created_at: minutesAgo(ageMinutes),
  job: job({ id: `job-${name}`, created_at: minutesAgo(ageMinutes), ...jobOver }),
  archived: false,
  created_by: { username: 'terraform' },
});

/** A healthy snapshot; `over` replaces whole facts. */
export function coderSnapshot(over: Partial<CoderSnapshot> = {}): CoderSnapshot {
  return {
    healthz: known({ reachable: true, value: { status: 200, body: 'OK', ms: 42 } }),
    buildInfo: known({
      version: 'v2.24.2',
      external_url: 'https://github.com/coder/coder/releases/tag/v2.24.2',
    }),
    health: known({ available: true, value: healthReport() }),
    provisionerKeys: known({ available: true, value: [key('coder-prov', 30), key('built-in', 400)] }),
    daemons: known({ available: true, value: [daemon('prov-a'), daemon('prov-b', { status: 'busy' })] }),
    access: known(access(['owner'])),
    licence: known({
      edition: 'enterprise',
      features: { multiple_organizations: true, template_rbac: true },
    }),
    templates: known([template('kubernetes-devcontainer'), template('pod-swdev')]),
    templateAcls: {
      'kubernetes-devcontainer': known({ available: true, value: acl(['Everyone']) }),
      'pod-swdev': known({ available: true, value: acl(['swdev']) }),
    },
    token: known({ valid: true, key: apiKey(60 * DAY) }),
    oidc: known({
      reachable: true,
      value: {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
        token_endpoint: `${ISSUER}/protocol/openid-connect/token`,
        scopes_supported: ['openid', 'profile', 'email', 'groups', 'offline_access'],
      },
    }),
    apiLatency: known({ samples: [40, 42, 45, 50, 38, 61, 44, 39], failed: 0 }),
    workspaces: known({
      workspaces: [workspace('alice/dev'), workspace('bob/ml', 'kubernetes-devcontainer')],
      count: 2,
      truncated: false,
    }),
    pendingJobs: known([]),
    jobLogs: {},
    templateVersions: {
      'kubernetes-devcontainer': known([version('v1', 4320)]),
      'pod-swdev': known([version('v1', 4320)]),
    },
    ...over,
  };
}
