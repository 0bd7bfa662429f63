import { AuditError } from '../../audit/errors.js';
import { need, type Fact } from '../../audit/fact.js';
import type { TokenAccess } from '../../clients/coder-workloads.js';

/**
 * What the auditor's token may read of the workloads, from its user's roles. From coder/coder
 * `coderd/rbac/roles.go` (built-in roles) and the handlers (`coderd/workspaces.go` filters the list to what
 * the caller may read and answers 200; `coderd/provisionerjobs.go` answers 404 without
 * `provisioner_jobs:read` in the organization):
 *
 * | Read | Roles |
 * | --- | --- |
 * | every workspace of the organization | Owner, Template Admin, Organization Admin, Organization Template Admin |
 * | the organization's provisioner jobs | Owner, Organization Admin, Organization Template Admin |
 * | every template and its versions | those, Auditor, Organization Auditor |
 *
 * A weaker token is never read as "nothing is wrong": the check that needs the read errors, naming the role.
 */
export const WorkloadRead = {
  Workspaces: 'every workspace of the organization',
  Jobs: 'the provisioner jobs of the organization',
  Templates: 'every template and its versions',
} as const;
export type WorkloadRead = (typeof WorkloadRead)[keyof typeof WorkloadRead];

const { Workspaces, Jobs, Templates } = WorkloadRead;
const GRANTS: Readonly<Record<string, readonly WorkloadRead[]>> = {
  owner: [Workspaces, Jobs, Templates],
  'template-admin': [Workspaces, Templates],
  auditor: [Templates],
  'organization-admin': [Workspaces, Jobs, Templates],
  'organization-template-admin': [Workspaces, Jobs, Templates],
  'organization-auditor': [Templates],
};

/** The token's roles for a sentence, or `Member` when it has none. */
export function rolesOf(access: TokenAccess): string {
  const all = [...access.siteRoles, ...access.orgRoles].filter((r) => r !== 'organization-member');
  return all.length ? all.join(', ') : 'member';
}

/** True when one of the token's roles grants `what` (a custom role is not known: it grants nothing here). */
export function canRead(access: TokenAccess, what: WorkloadRead): boolean {
  return [...access.siteRoles, ...access.orgRoles].some((r) => GRANTS[r]?.includes(what));
}

/**
 * Throw (the check errors) unless the token's roles are known and grant `what`: Coder filters or hides what
 * a weaker role cannot read, which would look like health.
 */
export function needRead(access: Fact<TokenAccess>, what: WorkloadRead, organization: string): void {
  const a = need(access);
  if (canRead(a, what)) return;
  throw new AuditError(
    `the auditor's token (${a.username}, roles: ${rolesOf(a)}) cannot read ${what}, so Coder would answer ` +
      `with a filtered or empty list: grant it Owner or Organization Template Admin of ${organization}`,
  );
}
