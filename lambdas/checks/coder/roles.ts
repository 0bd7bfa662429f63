/**
 * What the auditor's Coder token can read, from its user's roles, and the role to grant when it cannot.
 * From coder/coder `coderd/rbac/roles.go` (built-in roles), `coderd/coderd.go` (the `/debug` middleware) and
 * the handlers of each endpoint (`coderd/provisionerdaemons.go`, `enterprise/coderd/provisionerkeys.go`,
 * `coderd/templates.go` through dbauthz):
 *
 * | Read | Needs | Without it |
 * | --- | --- | --- |
 * | `/api/v2/debug/health` | `debug_info:read`: Owner | 403 |
 * | organization provisioner daemons | `provisioner_jobs:read` in the org: Owner, Organization Admin, Organization Template Admin | 404 |
 * | organization provisioner keys | `provisioner_daemon:read`: Owner, Template Admin, Organization Admin, Organization Template Admin | 200 `[]` (filtered) |
 * | every template of the organization | `template:read`: Owner, Auditor, Template Admin, Organization Admin, Organization Template Admin, Organization Auditor | only the templates shared with the user |
 * | every workspace of the organization (`coderd/workspaces.go`, dbauthz prepared filter) | `workspace:read`: Owner, Template Admin, Organization Admin, Organization Template Admin | 200, only the user's own workspaces |
 * | the organization's provisioner jobs (`coderd/provisionerjobs.go`) | `provisioner_jobs:read` in the org: Owner, Organization Admin, Organization Template Admin | 404 |
 *
 * The least role that lets every check read its facts is therefore Owner; without it, Organization Template
 * Admin of the configured organization reads everything but the health report.
 */

/** Something a check reads that a role may not be allowed to. */
export const Capability = {
  HealthReport: 'the deployment health report',
  Daemons: 'the provisioner daemons',
  Keys: 'the provisioner keys',
  AllTemplates: 'every template',
  Workspaces: 'every workspace of the organization',
  Jobs: 'the provisioner jobs of the organization',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

const { HealthReport, Daemons, Keys, AllTemplates, Workspaces, Jobs } = Capability;
const GRANTS: Record<string, readonly Capability[]> = {
  owner: [HealthReport, Daemons, Keys, AllTemplates, Workspaces, Jobs],
  'template-admin': [Keys, AllTemplates, Workspaces],
  auditor: [AllTemplates],
  'organization-admin': [Daemons, Keys, AllTemplates, Workspaces, Jobs],
  'organization-template-admin': [Daemons, Keys, AllTemplates, Workspaces, Jobs],
  'organization-auditor': [AllTemplates],
};

/** Everything the coder checks read that a role may not allow. */
export const ALL_CAPABILITIES: readonly Capability[] = [
  HealthReport,
  Daemons,
  Keys,
  AllTemplates,
  Workspaces,
  Jobs,
];

/** The token user's roles: site-wide ones, and those it holds in the configured organization. */
export interface TokenAccess {
  username: string;
  siteRoles: string[];
  orgRoles: string[];
}

/** Display names of Coder's built-in roles. */
const DISPLAY: Record<string, string> = {
  owner: 'Owner',
  member: 'Member',
  auditor: 'Auditor',
  'template-admin': 'Template Admin',
  'user-admin': 'User Admin',
  'organization-admin': 'Organization Admin',
  'organization-template-admin': 'Organization Template Admin',
  'organization-auditor': 'Organization Auditor',
  'organization-user-admin': 'Organization User Admin',
  'organization-member': 'Organization Member',
};

export const roleName = (r: string): string => DISPLAY[r] ?? r;

/** What the token can read. A custom role is not known: it grants nothing here (its reads may still work). */
export function capabilities(access: TokenAccess): Set<Capability> {
  return new Set([...access.siteRoles, ...access.orgRoles].flatMap((r) => GRANTS[r] ?? []));
}

/** The token's roles for a sentence: `Auditor, Organization Template Admin`, or `Member` when it has none. */
export function rolesLabel(access: TokenAccess): string {
  const all = [...access.siteRoles, ...access.orgRoles].filter((r) => r !== 'organization-member');
  return all.length ? all.map(roleName).join(', ') : 'Member';
}

/** Why a check did not read `what`: the role it lacks, pointing to the one finding that says what to grant. */
export function roleGap(access: TokenAccess, what: Capability): string {
  return (
    `the auditor's token (${access.username}, ${rolesLabel(access)}) cannot read ${what}; ` +
    'coder-token-role says which role to grant'
  );
}
