/**
 * What each built-in Coder role may read, for the endpoints the auditor uses, as coderd decides it. From
 * coder/coder `coderd/rbac/roles.go` (commit 007f4fc, `ReloadBuiltinRoles`), the route middlewares in
 * `coderd/coderd.go` and the handlers in `coderd/provisionerdaemons.go`, `enterprise/coderd/provisionerkeys.go`:
 *
 * - `/api/v2/debug/*`: `debug_info:read`, which only Owner has (allPermsExcept); others get 403 `Forbidden.`.
 * - `/organizations/{org}/provisionerdaemons`: the handler checks `provisioner_jobs:read` in the organization
 *   first (404 otherwise): Owner, Organization Admin (allPermsExcept in the org), Organization Template Admin.
 *   The site-wide Template Admin has `provisioner_daemon` but not `provisioner_jobs`: 404.
 * - `/organizations/{org}/provisionerkeys`: listed through dbauthz's post-filter on `provisioner_daemon:read`,
 *   so a caller without it gets `200 []`: readers are Owner, Template Admin, Organization Admin, Organization
 *   Template Admin.
 * - templates: filtered to what the caller can read (`template:read`): Owner, Auditor, Template Admin,
 *   Organization Admin/Template Admin/Auditor read all; a Member only those its ACL shares (Everyone group).
 *   Their versions and version logs (`/templates/{t}/versions`, `/templateversions/{v}/logs`,
 *   coderd/templateversions.go) go through the template's read: 404 when the caller cannot read it.
 * - `/api/v2/workspaces` (coderd/workspaces.go): dbauthz's prepared filter on `workspace:read` (200, never
 *   403): Owner, Template Admin (site), Organization Admin and Organization Template Admin read every workspace
 *   of the organization; Auditor, User Admin, Organization Auditor and Member only their own. A build's logs
 *   (`/workspacebuilds/{b}/logs`, coderd/workspacebuilds.go) need the same read, 404 otherwise.
 * - `/organizations/{org}/provisionerjobs` (coderd/provisionerjobs.go): `provisioner_jobs:read` in the
 *   organization, 404 otherwise (the same gate as the daemons).
 */
export const SIM_ROLES = [
  'owner',
  'member',
  'auditor',
  'template-admin',
  'user-admin',
  'organization-admin',
  'organization-template-admin',
  'organization-auditor',
] as const;
export type SimRole = (typeof SIM_ROLES)[number];

/** Site-wide roles (listed by `/users/me`); the others are organization roles (`/members/me`). */
export const SITE_ROLES: ReadonlySet<SimRole> = new Set(['owner', 'auditor', 'template-admin', 'user-admin']);

const DISPLAY: Record<SimRole, string> = {
  owner: 'Owner',
  member: 'Member',
  auditor: 'Auditor',
  'template-admin': 'Template Admin',
  'user-admin': 'User Admin',
  'organization-admin': 'Organization Admin',
  'organization-template-admin': 'Organization Template Admin',
  'organization-auditor': 'Organization Auditor',
};

export const displayName = (r: SimRole): string => DISPLAY[r];

type Permission =
  | 'debug_info:read'
  | 'provisioner_jobs:read'
  | 'provisioner_daemon:read'
  | 'template:read'
  | 'workspace:read';

const GRANTS: Record<SimRole, readonly Permission[]> = {
  owner: [
    'debug_info:read',
    'provisioner_jobs:read',
    'provisioner_daemon:read',
    'template:read',
    'workspace:read',
  ],
  member: [],
  auditor: ['template:read'],
  'template-admin': ['provisioner_daemon:read', 'template:read', 'workspace:read'],
  'user-admin': [],
  'organization-admin': [
    'provisioner_jobs:read',
    'provisioner_daemon:read',
    'template:read',
    'workspace:read',
  ],
  'organization-template-admin': [
    'provisioner_jobs:read',
    'provisioner_daemon:read',
    'template:read',
    'workspace:read',
  ],
  'organization-auditor': ['template:read'],
};

/** True when one of `roles` grants `permission` (organization roles apply to the twin's one organization). */
export function can(roles: readonly SimRole[], permission: Permission): boolean {
  return roles.some((r) => GRANTS[r].includes(permission));
}
