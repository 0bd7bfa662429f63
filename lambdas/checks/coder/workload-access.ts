import type { FindingInput } from '../../audit/check.js';
import { need, type Fact } from '../../audit/fact.js';
import { SkipReason } from '../../audit/model.js';
import { capabilities, roleGap, rolesLabel, type Capability, type TokenAccess } from './roles.js';

/**
 * The role gate of the workload checks, whose reads Coder filters or hides rather than refuses:
 * `/api/v2/workspaces` answers 200 with only what the caller may read (coderd/workspaces.go), the
 * organization's provisioner jobs 404 without `provisioner_jobs:read` (coderd/provisionerjobs.go). Which role
 * reads what is in roles.ts. A weaker token is never read as "nothing is wrong":
 *
 * - roles known and lacking `what`: one `skipped` result (reason `role-gap`), which coder-token-role explains;
 * - roles unknown (their read failed): the check errors (`need` throws).
 *
 * Returns the skipped result, or undefined when the token may read `what`.
 */
export function roleGate(
  access: Fact<TokenAccess>,
  what: Capability,
  resource: string,
): FindingInput[] | undefined {
  const a = need(access);
  if (capabilities(a).has(what)) return undefined;
  return [
    {
      status: 'skipped',
      reason: SkipReason.RoleGap,
      resource,
      key: 'unreadable',
      detail: `Not checked: ${roleGap(a, what)} (Coder would answer a filtered or empty list).`,
      evidence: { roles: rolesLabel(a), needs: what },
    },
  ];
}
