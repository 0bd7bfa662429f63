import { defineCheck } from '../../audit/check.js';
import { need } from '../../audit/fact.js';
import { Component, shq } from '../../audit/model.js';
import type { CoderSnapshot } from './collector.js';
import { CODER_META } from './meta.js';
import { ALL_CAPABILITIES, Capability, capabilities, rolesLabel } from './roles.js';

/**
 * Compliant when the auditor's token has the Owner role, the least role that reads every fact of the coder
 * checks. A weaker token is said once, here, naming the role to grant; the checks it cannot feed are
 * `skipped` (never passed, never resolving a finding), and the report lists them under this finding.
 */
export default defineCheck<CoderSnapshot>(CODER_META['coder-token-role'], (snap, { deployment }) => {
  const access = need(snap.access);
  const org = deployment.coder!.organization;
  const caps = capabilities(access);
  const missing = ALL_CAPABILITIES.filter((c) => !caps.has(c));
  const resource = `coder:${org}/user/${access.username}`;
  const evidence = { user: access.username, roles: rolesLabel(access), cannotRead: missing };
  if (missing.length === 0) {
    const detail = `The token of ${access.username} (${rolesLabel(access)}) reads every fact the coder checks need.`;
    return [{ status: 'pass', resource, detail, evidence }];
  }
  // Organization Template Admin misses the health report only: a deliberate least-privilege choice.
  const onlyHealth = missing.length === 1 && missing[0] === Capability.HealthReport;
  const user = shq(access.username);
  return [
    {
      status: 'fail',
      reason: onlyHealth ? 'no-health-report' : 'role-missing',
      resource,
      title: "The auditor's Coder token lacks a role",
      detail:
        `The token of ${access.username} (${rolesLabel(access)}) cannot read ${missing.join(', ')}: those checks ` +
        `are skipped. Grant the Owner role${onlyHealth ? '' : ` (or Organization Template Admin of ${org}, for everything but the health report)`}.`,
      evidence,
      remediation: {
        needs: [Component.CoderApi],
        text: 'As an Owner, give the auditor user the Owner role (the only role that reads the health report).',
        commands: [
          `coder users edit-roles ${user} --roles owner -y`,
          `coder organizations members edit-roles ${user} organization-template-admin --org ${shq(org)}`,
        ],
      },
    },
  ];
});
